namespace Engine.Detection;

/// <summary>The boxes an operation kept or fused, per image, in ensemble-boxes' output order.</summary>
/// <param name="Boxes">x1, y1, x2, y2 of every output box, all images one after the other.</param>
/// <param name="Scores">One score per output box.</param>
/// <param name="Labels">One label per output box.</param>
/// <param name="ImageStarts">Per image, the index of its first output box; one more entry holding the total.</param>
public sealed record DetectionResult(double[] Boxes, double[] Scores, int[] Labels, int[] ImageStarts)
{
    /// <summary>Number of images.</summary>
    public int ImageCount => ImageStarts.Length - 1;

    /// <summary>Number of output boxes of image <paramref name="image"/>.</summary>
    public int Count(int image) => ImageStarts[image + 1] - ImageStarts[image];

    /// <summary>Image <paramref name="image"/>'s boxes (4 values each).</summary>
    public ReadOnlySpan<double> ImageBoxes(int image) => Boxes.AsSpan(ImageStarts[image] * 4, Count(image) * 4);

    /// <summary>Image <paramref name="image"/>'s scores.</summary>
    public ReadOnlySpan<double> ImageScores(int image) => Scores.AsSpan(ImageStarts[image], Count(image));

    /// <summary>Image <paramref name="image"/>'s labels.</summary>
    public ReadOnlySpan<int> ImageLabels(int image) => Labels.AsSpan(ImageStarts[image], Count(image));
}
