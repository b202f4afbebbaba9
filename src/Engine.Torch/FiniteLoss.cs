using static TorchSharp.torch;

namespace Engine.Torch;

/// <summary>
/// The check both trainers make in every optimizer step: the model's output, then its loss, must be finite. A
/// non-finite one stops the training with <see cref="NonFiniteValueException"/>, or skips the step where the
/// options allow it (--on-nan skip).
/// </summary>
internal static class FiniteLoss
{
    /// <summary>The loss of <paramref name="output"/>, or null when the step is to be skipped.</summary>
    /// <param name="output">The model's forward pass.</param>
    /// <param name="outputIs">The output in the message, with its verb ("the embeddings are").</param>
    /// <param name="lossOf">The loss of a finite output.</param>
    /// <param name="poisoned">Makes the output NaN, for the tests of this check.</param>
    /// <param name="skip">Whether a non-finite step is skipped rather than stopping the training.</param>
    /// <param name="epoch">The epoch, for the message.</param>
    /// <param name="step">The step within the epoch from 0, for the message.</param>
    /// <returns>The finite loss; null when something is not finite and <paramref name="skip"/> is set.</returns>
    /// <exception cref="NonFiniteValueException">Something is not finite and <paramref name="skip"/> is not set.</exception>
    public static Tensor? Of(Tensor output, string outputIs, Func<Tensor, Tensor> lossOf, bool poisoned, bool skip, int epoch, int step)
    {
        if (poisoned)
            output = output * float.NaN;
        string? problem = !output.isfinite().all().item<bool>() ? outputIs : null;
        Tensor? loss = null;
        if (problem is null)
        {
            loss = lossOf(output);
            if (!loss.isfinite().item<bool>())
                problem = "the loss is";
        }
        if (problem is null)
            return loss;
        if (!skip)
            throw new NonFiniteValueException($"Training stopped at epoch {epoch}, step {step + 1}: {problem} NaN or infinite (use --on-nan skip to skip such steps).");
        return null;
    }
}
