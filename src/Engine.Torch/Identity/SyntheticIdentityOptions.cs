namespace Engine.Torch.Identity;

/// <summary>The shape of a synthetic re-identification set.</summary>
public sealed record SyntheticIdentityOptions
{
    /// <summary>Species; each has its own body colour, shape and background.</summary>
    public int Species { get; init; } = 3;

    /// <summary>Known individuals per species (they have training images).</summary>
    public int IndividualsPerSpecies { get; init; } = 40;

    /// <summary>Most training images of one individual (the commonest); the count falls exponentially with rank to 1.</summary>
    public int MaxImages { get; init; } = 12;

    /// <summary>Fraction of the test images that show individuals absent from training.</summary>
    public double UnseenFraction { get; init; } = 0.2;

    /// <summary>Side of the square images in pixels.</summary>
    public int Size { get; init; } = 64;

    /// <summary>Seed of everything.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Checks the ranges.</summary>
    public void Validate()
    {
        if (Species is < 1 or > 16 || IndividualsPerSpecies is < 2 or > 10_000 || MaxImages is < 1 or > 100 || Size is < 16 or > 512
            || !(UnseenFraction >= 0 && UnseenFraction < 1))
            throw new ArgumentException($"synthetic set out of range: species {Species} (1 … 16), individuals per species {IndividualsPerSpecies} (2 … 10000), max images {MaxImages} (1 … 100), size {Size} (16 … 512), unseen fraction {UnseenFraction} ([0, 1)).");
    }
}
