namespace Engine.Torch.Ink;

/// <summary>One epoch's numbers.</summary>
/// <param name="Epoch">From 1.</param>
/// <param name="Loss">Mean training loss of its steps (skipped steps excluded).</param>
/// <param name="TilesPerSecond">Training tiles per second (batch building, augmentation, forward, backward, step; validation excluded).</param>
/// <param name="Seconds">Wall time of the epoch, validation included.</param>
/// <param name="LearningRate">The learning rate of its last step.</param>
/// <param name="SkippedSteps">Steps skipped for a non-finite loss or prediction.</param>
/// <param name="Validation">The EMA weights' score on the held-out strip; null without validation.</param>
public sealed record InkEpoch(int Epoch, double Loss, double TilesPerSecond, double Seconds, double LearningRate, int SkippedSteps, InkValidationScore? Validation);

/// <summary>Progress of <see cref="InkTrainer"/>, reported after every step.</summary>
/// <param name="Epoch">The current epoch, from 1.</param>
/// <param name="Epochs">Epochs in all.</param>
/// <param name="Step">Steps done in all so far.</param>
/// <param name="Steps">Steps in all.</param>
/// <param name="Loss">Mean loss of the current epoch's steps so far.</param>
/// <param name="Finished">The epoch's numbers when this report ends an epoch (after validation); null otherwise.</param>
public sealed record InkTrainingProgress(int Epoch, int Epochs, int Step, int Steps, double Loss, InkEpoch? Finished);

/// <summary>What <see cref="InkTrainer"/> did.</summary>
/// <param name="Epochs">Every epoch's numbers.</param>
/// <param name="StepLosses">Every step's loss, in order (NaN for a skipped step).</param>
/// <param name="SkippedSteps">Steps skipped for a non-finite loss or prediction.</param>
/// <param name="Best">The best validation score (the saved model's); null without validation.</param>
/// <param name="BestEpoch">The epoch of the saved model, from 1.</param>
/// <param name="ModelDirectory">The saved model: the best epoch's EMA weights (the last epoch's without validation); <c>last/</c> inside it holds the last epoch's.</param>
/// <param name="TrainTiles">Training tiles (all fragments).</param>
/// <param name="ValidTiles">Validation tiles.</param>
/// <param name="Seconds">Wall time, tile reading included.</param>
/// <param name="SecondsPerStep">Mean wall time of a training step.</param>
public sealed record InkTrainingResult(IReadOnlyList<InkEpoch> Epochs, IReadOnlyList<float> StepLosses, int SkippedSteps,
    InkValidationScore? Best, int BestEpoch, string ModelDirectory, int TrainTiles, int ValidTiles, double Seconds, double SecondsPerStep)
{
    /// <summary>The best epoch's validation probability maps, one per fragment (for tests).</summary>
    internal float[][]? BestMaps { get; init; }
}
