namespace Engine;

/// <summary>
/// A model produced a NaN or infinite value (a loss, a prediction, an embedding) in training or inference. The
/// message names where: the epoch and step, or the batch and tile.
/// </summary>
public sealed class NonFiniteValueException(string message) : ArithmeticException(message);
