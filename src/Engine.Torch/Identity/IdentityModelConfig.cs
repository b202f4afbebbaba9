namespace Engine.Torch.Identity;

/// <summary>The embedding net's shape; saved in a model directory's config.json.</summary>
public sealed record IdentityModelConfig : INetConfig
{
    /// <summary>Output channels of each stride-2 stage of the CNN backbone (the default trains on 2 CPU cores).</summary>
    public int[] Widths { get; init; } = [24, 48, 96, 128];

    /// <summary>Extra stride-1 residual blocks per stage.</summary>
    public int BlocksPerStage { get; init; } = 1;

    /// <summary>Length of the L2-normalized embedding.</summary>
    public int EmbeddingSize { get; init; } = 128;

    /// <summary>GeM's initial exponent p (learned): 1 is average pooling, large p approaches max pooling.</summary>
    public double GemP { get; init; } = 3;

    /// <summary>Checks the ranges.</summary>
    /// <exception cref="ArgumentException">A field is out of range.</exception>
    public void Validate()
    {
        if (Widths is null || Widths.Length is < 1 or > 6 || Widths.Any(w => w is < 1 or > 2048))
            throw new ArgumentException($"model widths must be 1 to 6 stages of 1 … 2048 channels; got [{string.Join(", ", Widths ?? [])}].", nameof(Widths));
        if (BlocksPerStage is < 0 or > 8)
            throw new ArgumentException($"blocks per stage {BlocksPerStage} is outside 0 … 8.", nameof(BlocksPerStage));
        if (EmbeddingSize is < 2 or > 4096)
            throw new ArgumentException($"embedding size {EmbeddingSize} is outside 2 … 4096.", nameof(EmbeddingSize));
        if (!(GemP >= 1 && GemP <= 16))
            throw new ArgumentException($"GeM p {GemP} is outside 1 … 16.", nameof(GemP));
    }

    /// <inheritdoc />
    public bool Equals(IdentityModelConfig? other) => other is not null && Widths.SequenceEqual(other.Widths)
        && BlocksPerStage == other.BlocksPerStage && EmbeddingSize == other.EmbeddingSize && GemP == other.GemP;

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Widths.Length, BlocksPerStage, EmbeddingSize, GemP);
}
