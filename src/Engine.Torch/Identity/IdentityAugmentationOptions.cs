namespace Engine.Torch.Identity;

/// <summary>Training augmentations, each with its probability per image.</summary>
public sealed record IdentityAugmentationOptions
{
    /// <summary>None at all.</summary>
    public static IdentityAugmentationOptions None { get; } = new() { Flip = 0, Affine = 0, BrightnessContrast = 0, Cutout = 0 };

    /// <summary>Probability of a horizontal flip (prediction averages each image with its flip, so the embedding should not care).</summary>
    public double Flip { get; init; } = 0.5;

    /// <summary>Probability of a rotation (±15°), shear (±0.15), scale (0.9–1.1) and translation (±8 %), bilinear, in one grid_sample.</summary>
    public double Affine { get; init; } = 0.8;

    /// <summary>Probability of a brightness (±0.4 in normalized units) and contrast (0.7–1.3) change.</summary>
    public double BrightnessContrast { get; init; } = 0.8;

    /// <summary>Probability of erasing one rectangle (15–35 % of each side) to the mean.</summary>
    public double Cutout { get; init; } = 0.3;
}
