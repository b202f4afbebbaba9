namespace Engine.Torch.Identity;

/// <summary>A prediction: per test image, five ids best first, the top individual's score, and the stage times.</summary>
public sealed record IdentityPrediction(IReadOnlyList<string> Images, string[][] Predictions, float[] TopScores, string[] TopIndividuals,
    double Threshold, IReadOnlyDictionary<string, double> SpeciesThresholds, IdentityStageSeconds Seconds);
