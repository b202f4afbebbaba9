namespace Engine.Torch.Ink;

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
