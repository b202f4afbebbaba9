namespace Engine.Torch.Identity;

/// <summary>What training did and where the model is.</summary>
public sealed record IdentityTrainingResult(IReadOnlyList<IdentityEpoch> Epochs, IReadOnlyList<float> StepLosses, int Skipped,
    string ModelDirectory, int TrainImages, int Classes, int ValidationQueries, double Seconds, double LoadSeconds);
