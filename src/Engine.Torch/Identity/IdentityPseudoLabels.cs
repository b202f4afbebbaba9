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
}
