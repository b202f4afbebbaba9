namespace Engine.Detection;

/// <summary>One model's detections on one image, as ensemble-boxes takes them.</summary>
/// <param name="Boxes">Corners x1, y1, x2, y2 of each box, four values a box, normalized to [0, 1].</param>
/// <param name="Scores">One confidence per box.</param>
/// <param name="Labels">One class label per box.</param>
public sealed record ModelPredictions(double[] Boxes, double[] Scores, int[] Labels)
{
    /// <summary>No boxes.</summary>
    public static ModelPredictions Empty { get; } = new([], [], []);
}

/// <summary>Every model's detections on one image, with optional per-model weights.</summary>
/// <param name="Models">One entry per model of the ensemble.</param>
/// <param name="Weights">One weight per model, or null for ensemble-boxes' <c>weights=None</c>.</param>
public sealed record ImagePredictions(IReadOnlyList<ModelPredictions> Models, double[]? Weights = null);

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
