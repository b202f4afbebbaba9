namespace Engine.Torch.Ink;

/// <summary>Which tile augmentations <see cref="InkTrainer"/> applies, each with its probability per tile.</summary>
public sealed record InkAugmentationOptions
{
    /// <summary>No augmentation at all.</summary>
    public static InkAugmentationOptions None { get; } = new()
    {
        Flips = false, Affine = 0, ZShift = 0, ChannelShuffle = 0, Cutout = 0, BrightnessContrast = 0,
    };

    /// <summary>A random one of the eight flips and quarter turns per tile (all eight equally likely).</summary>
    public bool Flips { get; init; } = true;

    /// <summary>Probability of a small shift (±6 %), scale (0.9–1.1) and rotation (±15°), bilinear, image and labels alike.</summary>
    public double Affine { get; init; } = 0.5;

    /// <summary>Most slices the input window moves up or down (uniform in ±ZShift), limited by the slices the volume has.</summary>
    public int ZShift { get; init; } = 2;

    /// <summary>Probability of shuffling the slices within each depth group.</summary>
    public double ChannelShuffle { get; init; } = 0.2;

    /// <summary>Probability of erasing one rectangle of cells of the 1/32 grid (image and labels).</summary>
    public double Cutout { get; init; } = 0.3;

    /// <summary>Probability of a brightness (±0.2) and contrast (0.8–1.2) change of the normalized tile.</summary>
    public double BrightnessContrast { get; init; } = 0.5;
}
