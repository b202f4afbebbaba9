namespace Engine.Search;

/// <summary>
/// The post-processing of identity search that re-identification competitions use (Happywhale): insert a
/// "new individual" guess by a score threshold, score predictions by MAP@k, and pick the threshold with the best
/// MAP@k on a labelled validation split.
/// </summary>
public static class IdentityRanking
{
    /// <summary>The label Happywhale uses for an individual not in the database.</summary>
    public const string NewIndividual = "new_individual";

    /// <summary>
    /// Puts <paramref name="newIndividual"/> just before the first identity whose score is strictly below
    /// <paramref name="threshold"/> (after all of them when none is), then keeps the first <paramref name="k"/>.
    /// A score equal to the threshold stays ahead. Scores 0.7, 0.3, 0.2, 0.1, 0.05 with threshold 0.4 give
    /// id_1, new_individual, id_2, id_3, id_4.
    /// </summary>
    /// <typeparam name="T">The label type.</typeparam>
    /// <param name="labels">One query's identities, best first.</param>
    /// <param name="scores">Their scores, descending.</param>
    /// <param name="threshold">Identities scoring below this are less likely than a new individual.</param>
    /// <param name="newIndividual">The label to insert.</param>
    /// <param name="k">Predictions to keep.</param>
    /// <returns>At most <paramref name="k"/> labels.</returns>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is below 1.</exception>
    public static T[] InsertNewIndividual<T>(ReadOnlySpan<T> labels, ReadOnlySpan<float> scores, double threshold,
        T newIndividual, int k = 5)
    {
        if (labels.Length != scores.Length)
            throw new ArgumentException($"labels has {labels.Length} elements but scores has {scores.Length}; they must match.", nameof(labels));
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        int at = 0;
        while (at < scores.Length && scores[at] >= threshold)
            at++;
        var result = new List<T>(k);
        for (int i = 0; i < labels.Length && result.Count < k; i++)
        {
            if (i == at)
                result.Add(newIndividual);
            if (result.Count < k)
                result.Add(labels[i]);
        }
        if (at == labels.Length && result.Count < k)
            result.Add(newIndividual);
        return [.. result];
    }

    /// <summary>
    /// Kaggle's MAP@k: for each query 1 / rank of the first prediction equal to its truth within the first
    /// <paramref name="k"/> (a repeated label counts at its first rank only), 0 when absent; the mean over queries.
    /// </summary>
    /// <typeparam name="T">The label type.</typeparam>
    /// <param name="predictions">Per query, its predictions best first.</param>
    /// <param name="truth">Per query, the correct label.</param>
    /// <param name="k">Ranks that count.</param>
    /// <returns>The mean average precision, in [0, 1].</returns>
    /// <exception cref="ArgumentException">The counts differ or there are no queries.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is below 1.</exception>
    public static double MapAtK<T>(IReadOnlyList<IReadOnlyList<T>> predictions, IReadOnlyList<T> truth, int k = 5)
    {
        if (predictions.Count != truth.Count)
            throw new ArgumentException($"predictions has {predictions.Count} queries but truth has {truth.Count}; they must match.", nameof(predictions));
        if (truth.Count == 0)
            throw new ArgumentException("MAP@k of no queries is undefined.", nameof(truth));
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var comparer = EqualityComparer<T>.Default;
        double sum = 0;
        for (int q = 0; q < truth.Count; q++)
        {
            var row = predictions[q];
            for (int i = 0; i < Math.Min(k, row.Count); i++)
            {
                if (comparer.Equals(row[i], truth[q]))
                {
                    sum += 1.0 / (i + 1);
                    break;
                }
            }
        }
        return sum / truth.Count;
    }

    /// <summary>
    /// The new-individual threshold with the best MAP@k on a labelled validation split: every candidate is
    /// applied with <see cref="InsertNewIndividual"/> to every query's identity ranking and scored by
    /// <see cref="MapAtK"/>; the first best candidate wins a tie.
    /// </summary>
    /// <typeparam name="T">The label type.</typeparam>
    /// <param name="labels">Per query, its identities best first (e.g. from <see cref="CosineIndex.SearchIdentities"/>).</param>
    /// <param name="scores">Per query, their scores.</param>
    /// <param name="truth">Per query, the correct label (<paramref name="newIndividual"/> for an individual not in the database).</param>
    /// <param name="thresholds">The candidates.</param>
    /// <param name="newIndividual">The label inserted.</param>
    /// <param name="k">Ranks that count.</param>
    /// <returns>The best threshold, its MAP@k, and the MAP@k of every candidate.</returns>
    /// <exception cref="ArgumentException">Counts differ, or there are no queries or no candidates.</exception>
    public static (double Threshold, double Map, double[] Maps) BestThreshold<T>(IReadOnlyList<T[]> labels,
        IReadOnlyList<float[]> scores, IReadOnlyList<T> truth, IReadOnlyList<double> thresholds, T newIndividual, int k = 5)
    {
        if (labels.Count != scores.Count)
            throw new ArgumentException($"labels has {labels.Count} queries but scores has {scores.Count}; they must match.", nameof(labels));
        if (thresholds.Count == 0)
            throw new ArgumentException("No candidate thresholds.", nameof(thresholds));
        var maps = new double[thresholds.Count];
        int best = 0;
        for (int t = 0; t < thresholds.Count; t++)
        {
            var predictions = new IReadOnlyList<T>[labels.Count];
            for (int q = 0; q < labels.Count; q++)
                predictions[q] = InsertNewIndividual<T>(labels[q], scores[q], thresholds[t], newIndividual, k);
            maps[t] = MapAtK(predictions, truth, k);
            if (maps[t] > maps[best])
                best = t;
        }
        return (thresholds[best], maps[best], maps);
    }
}
