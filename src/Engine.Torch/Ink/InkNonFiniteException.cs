namespace Engine.Torch.Ink;

/// <summary>Training met a NaN or infinite loss or prediction and its policy was to stop.</summary>
public sealed class InkNonFiniteException : ArithmeticException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was non-finite, with the epoch and step.</param>
    /// <param name="epoch">The epoch, from 1.</param>
    /// <param name="step">The step within the epoch (or the validation batch), from 1.</param>
    public InkNonFiniteException(string message, int epoch, int step) : base(message)
    {
        Epoch = epoch;
        Step = step;
    }

    /// <summary>The epoch, from 1.</summary>
    public int Epoch { get; }

    /// <summary>The step within the epoch (or the validation batch), from 1.</summary>
    public int Step { get; }
}
