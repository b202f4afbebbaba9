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
