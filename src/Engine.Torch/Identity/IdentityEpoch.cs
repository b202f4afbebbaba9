namespace Engine.Torch.Identity;

/// <summary>One epoch's summary.</summary>
public sealed record IdentityEpoch(int Epoch, double Loss, double LearningRate, double Seconds, int Skipped, IdentityValidationScore? Validation);
