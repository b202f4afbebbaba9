namespace Engine.Detection;

/// <summary>The boxes an operation kept or fused, per image, in ensemble-boxes' output order.</summary>
public sealed class DetectionResult
{
    internal DetectionResult(double[] boxes, double[] scores, int[] labels, int[] imageStarts)
    {
        Boxes = boxes;
        Scores = scores;
        Labels = labels;
        ImageStarts = imageStarts;
    }

    /// <summary>x1, y1, x2, y2 of every output box, all images one after the other.</summary>
    public double[] Boxes { get; }

    /// <summary>One score per output box.</summary>
    public double[] Scores { get; }

    /// <summary>One label per output box.</summary>
    public int[] Labels { get; }

    /// <summary>Per image, the index of its first output box; one more entry holding the total.</summary>
    public int[] ImageStarts { get; }

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
