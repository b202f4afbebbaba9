using Engine.Search;

namespace Engine.Torch.Identity;

/// <summary>
/// Per query, the k best distinct individuals of a gallery (each scored by its best image: <see cref="CosineIndex.SearchIdentities"/>)
/// and the insertion of new_individual at a threshold (<see cref="IdentityRanking.InsertNewIndividual"/>).
/// </summary>
public sealed class IdentityRanker : IDisposable
{
    private readonly CosineIndex _index;
    private readonly string[] _names;

    /// <summary>Indexes the gallery.</summary>
    /// <param name="embeddings">Row-major gallery embeddings (unit rows).</param>
    /// <param name="dimension">Embedding length.</param>
    /// <param name="individuals">Each gallery row's individual.</param>
    public IdentityRanker(float[] embeddings, int dimension, IReadOnlyList<string> individuals)
    {
        _names = individuals.Distinct(StringComparer.Ordinal).ToArray();
        var code = _names.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
        _index = new CosineIndex(dimension);
        _index.Add(embeddings, identities: individuals.Select(n => code[n]).ToArray());
    }

    /// <summary>The individuals in the gallery.</summary>
    public int Individuals => _names.Length;

    /// <summary>The k best individuals of every query with their scores (fewer when the gallery has fewer).</summary>
    public (string[][] Labels, float[][] Scores) Rank(ReadOnlySpan<float> queries, int k = 5)
    {
        var result = _index.SearchIdentities(queries, Math.Min(k, CosineIndex.MaxK));
        var labels = new string[result.Queries][];
        var scores = new float[result.Queries][];
        for (int q = 0; q < result.Queries; q++)
        {
            int n = 0;
            while (n < result.K && result.Identities[q * result.K + n] >= 0)
                n++;
            labels[q] = new string[n];
            scores[q] = result.Scores.AsSpan(q * result.K, n).ToArray();
            for (int i = 0; i < n; i++)
                labels[q][i] = _names[result.Identities[q * result.K + i]];
        }
        return (labels, scores);
    }

    /// <inheritdoc />
    public void Dispose() => _index.Dispose();

    /// <summary>The five predictions: new_individual inserted before the first individual scoring below the threshold.</summary>
    public static string[] Predict(string[] labels, float[] scores, double threshold, int k = 5) =>
        IdentityRanking.InsertNewIndividual<string>(labels, scores, threshold, IdentityRanking.NewIndividual, k);

    /// <summary>The threshold of a query: its top individual's species' threshold when there is one, else the global one.</summary>
    public static double ThresholdFor(string[] labels, double global, IReadOnlyDictionary<string, double> speciesThresholds,
        IReadOnlyDictionary<string, string>? speciesOf) =>
        labels.Length > 0 && speciesOf is not null && speciesOf.TryGetValue(labels[0], out var species)
            && speciesThresholds.TryGetValue(species, out double t) ? t : global;

    /// <summary>The thresholds a sweep tries: −0.2 to 1.0 in steps of 0.02.</summary>
    public static double[] Candidates { get; } = Enumerable.Range(0, 61).Select(i => Math.Round(-0.2 + 0.02 * i, 2)).ToArray();
}
