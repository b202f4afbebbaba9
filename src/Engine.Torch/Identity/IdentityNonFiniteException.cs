namespace Engine.Torch.Identity;

/// <summary>Training met a NaN or infinite loss or embedding; the message names the epoch and step.</summary>
public sealed class IdentityNonFiniteException(string message) : ArithmeticException(message);
