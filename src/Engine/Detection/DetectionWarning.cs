namespace Engine.Detection;

/// <summary>A box that ensemble-boxes would fix or drop with a printed warning, reported instead of printed.</summary>
/// <param name="Image">The image's index in the batch.</param>
/// <param name="Model">The model's index in the image.</param>
/// <param name="Box">The box's index in the model's boxes.</param>
/// <param name="Message">What was wrong and what was done, e.g. "x2 &lt; x1: swapped".</param>
public readonly record struct DetectionWarning(int Image, int Model, int Box, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"image {Image}, model {Model}, box {Box}: {Message}";
}
