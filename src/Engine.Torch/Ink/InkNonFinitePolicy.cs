namespace Engine.Torch.Ink;

/// <summary>What <see cref="InkTrainer"/> does when a loss or a batch of predictions is NaN or infinite.</summary>
public enum InkNonFinitePolicy
{
    /// <summary>Stop with an exception naming the epoch and the step.</summary>
    Stop,

    /// <summary>Skip the step (no weight update) and count it in the result.</summary>
    Skip,
}
