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
