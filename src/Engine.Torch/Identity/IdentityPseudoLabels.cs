using System.Text.Json.Serialization;
using Engine.Search;

namespace Engine.Torch.Identity;

/// <summary>Pseudo-labelling: test images whose top individual is confident enough join the training set under that individual.</summary>
public static class IdentityPseudoLabels
{
    /// <summary>The default confidence: cosine similarity 0.8 to the top individual's best image (the Happywhale write-up's).</summary>
    public const double DefaultConfidence = 0.8;

    /// <summary>Test rows whose top individual scores at least <paramref name="confidence"/> and is not predicted new_individual first, labelled with it.</summary>
    public static IReadOnlyList<IdentityRecord> Select(IdentityPrediction prediction, IReadOnlyList<IdentityRecord> test, double confidence = DefaultConfidence)
    {
        var added = new List<IdentityRecord>();
        for (int i = 0; i < test.Count; i++)
            if (prediction.TopScores[i] >= confidence && prediction.Predictions[i].Length > 0 && prediction.Predictions[i][0] != IdentityRanking.NewIndividual)
                added.Add(test[i] with { Individual = prediction.TopIndividuals[i] });
        return added;
    }

    /// <summary>
    /// Runs up to <paramref name="rounds"/> rounds from <paramref name="first"/> (<paramref name="models"/>' prediction): the confident test images of the current
    /// prediction join training (<see cref="IdentityTrainer.Train(IReadOnlyList{IdentityRecord}, string, string, IdentityTrainerOptions, IProgress{IdentityTrainingProgress}?, IReadOnlyList{IdentityRecord}?, CancellationToken)"/>
    /// with the first model's saved options and seed, so the validation split and the initial weights are the first
    /// model's and only the added images differ) and the gallery, and the retrained model predicts again. A round whose
    /// validation MAP@5 falls below the best so far is not used, and the rounds stop there: a round never makes the
    /// validated score worse. Pass the training CSV the first model was trained on, or the splits differ.
    /// </summary>
    /// <returns>The last kept prediction and every round's report.</returns>
    /// <exception cref="InvalidDataException">The first model keeps no training options.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (a round's model directory is then not written).</exception>
    public static (IdentityPrediction Prediction, IReadOnlyList<IdentityPseudoRound> Rounds) Run(IdentityPrediction first, IReadOnlyList<string> models,
        IReadOnlyList<IdentityRecord> train, IReadOnlyList<IdentityRecord> test, string images, double? threshold, int rounds,
        double confidence, string workFolder, IProgress<IdentityTrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var prediction = first;
        var reports = new List<IdentityPseudoRound>();
        if (rounds == 0)
            return (prediction, reports);
        var checkpoint = IdentityCheckpoint.Read(models[0]);
        var options = checkpoint.TrainerOptions()
            ?? throw new InvalidDataException($"{models[0]} keeps no training options, so it cannot be retrained for pseudo-labelling.");
        double best = checkpoint.Metrics.TryGetValue("validMap5", out double firstMap) ? firstMap : double.NegativeInfinity;
        for (int round = 1; round <= rounds; round++)
        {
            var added = Select(prediction, test, confidence);
            string model = Path.Combine(workFolder, $"pseudo-round-{round}");
            var result = IdentityTrainer.Train(train, images, model, options, progress, added, cancellationToken);
            double map = result.Epochs[^1].Validation?.Map ?? double.NaN;
            // Without a validation split (NaN) nothing can show that a round hurt, so it is kept.
            bool kept = !(map < best);
            var next = kept ? IdentityPredictor.Predict([model], [.. train, .. added], test, images, threshold, cancellationToken: cancellationToken) : prediction;
            reports.Add(new IdentityPseudoRound(round, added.Count, map, kept, model, next));
            if (!kept)
                break;
            best = double.IsNaN(map) ? best : map;
            prediction = next;
        }
        return (prediction, reports);
    }
}
