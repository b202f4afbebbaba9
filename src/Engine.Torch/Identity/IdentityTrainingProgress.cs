namespace Engine.Torch.Identity;

/// <summary>Where training is: after every step (Validation null) and after every epoch (with its validation).</summary>
public sealed record IdentityTrainingProgress(int Epoch, int Epochs, int Step, int Steps, double Loss, IdentityValidationScore? Validation, bool EpochDone = false);
