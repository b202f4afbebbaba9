namespace Engine.Torch.Ink;

/// <summary>The size, seed and signal strengths of a <see cref="SyntheticFragment"/>.</summary>
public sealed record SyntheticFragmentOptions
{
    /// <summary>Slice width in pixels.</summary>
    public int Width { get; init; } = 1024;

    /// <summary>Slice height in pixels.</summary>
    public int Height { get; init; } = 1024;

    /// <summary>Slices (the competition's fragments have 65).</summary>
    public int Slices { get; init; } = 65;

    /// <summary>Everything random (mask, strokes, texture, noise) follows from it.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The slices in which ink is visible; null for <see cref="DefaultInkSlices"/>.</summary>
    public SliceRange? InkSlices { get; init; }

    /// <summary>Ink's brightening at the middle of the ink slices, in uint16 units (before the per-stroke strength).</summary>
    public double InkContrast { get; init; } = 1800;

    /// <summary>Standard deviation of the per-pixel noise, in uint16 units: a pixel alone barely tells ink apart.</summary>
    public double Noise { get; init; } = 2500;

    /// <summary>The middle ninth or so of the slices: 28..36 of 65.</summary>
    /// <param name="slices">Slices in the fragment.</param>
    /// <returns>The default ink slices.</returns>
    public static SliceRange DefaultInkSlices(int slices)
    {
        int middle = (slices - 1) / 2, half = Math.Max(1, (int)Math.Round(4.0 * slices / 65));
        return new SliceRange(Math.Max(0, middle - half), Math.Min(slices - 1, middle + half));
    }

    /// <summary>Checks every field, naming the first that is out of range.</summary>
    /// <exception cref="ArgumentException">A size is below 32, the ink slices fall outside the volume, or a strength is negative or not finite.</exception>
    public void Validate()
    {
        if (Width < 32 || Height < 32)
            throw new ArgumentException($"A synthetic fragment of {Width}×{Height} is too small; width and height must be at least 32.");
        if (Slices < 1)
            throw new ArgumentException($"A synthetic fragment needs at least one slice, not {Slices}.");
        if (InkSlices is { } ink && (ink.First < 0 || ink.Last >= Slices || ink.Last < ink.First))
            throw new ArgumentException($"The ink slices {ink} fall outside the fragment's slices 0..{Slices - 1}.");
        if (!double.IsFinite(InkContrast) || InkContrast < 0 || !double.IsFinite(Noise) || Noise < 0)
            throw new ArgumentException($"InkContrast ({InkContrast}) and Noise ({Noise}) must be finite and non-negative.");
    }
}
