namespace Engine.Torch.Ink;

/// <summary>
/// Width and depth of <see cref="InkModel"/>, the 2.5D ink-detection net; saved in a checkpoint's config.json
/// (System.Text.Json, camelCase) so a model directory rebuilds the same network. The defaults are small enough to
/// train on two CPU cores in minutes.
/// </summary>
public sealed record InkModelConfig : INetConfig
{
    /// <summary>Logits come out at 1/32 of the input's height and width: five stride-2 stages.</summary>
    public const int OutputStride = 32;

    /// <summary>
    /// How a window's 1/32 logits become full-resolution probabilities, the 2nd-place solution's way: ×32 bilinear
    /// per window with <c>align_corners=True</c>, overlaps averaged. Validation and inference both stitch with it,
    /// probabilities that <see cref="TorchInkEnsemble"/> has already passed through the sigmoid.
    /// </summary>
    /// <param name="inner">Only the centre inner × inner pixels of a window count (windows at the edge keep their outer side); null for whole windows.</param>
    /// <returns>The stitcher's options.</returns>
    public static Segmentation.StitchOptions Stitching(int? inner = null) => new()
    {
        Factor = OutputStride,
        Upsampling = Segmentation.StitchUpsampling.Bilinear,
        AlignCorners = true,
        UpsampleMode = Segmentation.StitchUpsampleMode.PerTile,
        Inner = inner,
        KeepEdges = inner is not null,
    };

    /// <summary>Depth groups (G): the input's slices are split into this many groups of consecutive slices.</summary>
    public int Groups { get; init; } = 4;

    /// <summary>Slices per group (Cg): the channels the 2D backbone sees at once.</summary>
    public int ChannelsPerGroup { get; init; } = 4;

    /// <summary>Input channels: <see cref="Groups"/> × <see cref="ChannelsPerGroup"/>, one per slice.</summary>
    public int InputChannels => Groups * ChannelsPerGroup;

    /// <summary>
    /// Output channels of the backbone's five stride-2 stages (exactly five values), shared by every group.
    /// </summary>
    public IReadOnlyList<int> Widths { get; init; } = [16, 24, 32, 48, 64];

    /// <summary>Extra stride-1 residual blocks after the stride-2 block of each stage (0 for one block per stage).</summary>
    public int BlocksPerStage { get; init; }

    /// <summary>Channels after the 1 × 1 convolution neck, carried by the 3D blocks.</summary>
    public int NeckChannels { get; init; } = 32;

    /// <summary>3 × 3 × 3 residual convolution blocks across the groups (0 for none).</summary>
    public int Blocks3d { get; init; } = 1;

    /// <summary>Whether both configs build the same net (the widths compared by value).</summary>
    /// <param name="other">The other config.</param>
    /// <returns>True when every field is equal.</returns>
    public bool Equals(InkModelConfig? other) =>
        other is not null && Groups == other.Groups && ChannelsPerGroup == other.ChannelsPerGroup
        && BlocksPerStage == other.BlocksPerStage && NeckChannels == other.NeckChannels && Blocks3d == other.Blocks3d
        && (ReferenceEquals(Widths, other.Widths) || (Widths is not null && other.Widths is not null && Widths.SequenceEqual(other.Widths)));

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(Groups, ChannelsPerGroup, BlocksPerStage, NeckChannels, Blocks3d, Widths is null ? 0 : Widths.Aggregate(17, HashCode.Combine));

    /// <summary>Checks every field, naming the first that is out of range.</summary>
    /// <exception cref="ArgumentException">A field is out of range; the message names it and its value.</exception>
    public void Validate()
    {
        if (Groups < 1)
            throw new ArgumentException($"InkModelConfig.groups is {Groups}; it must be at least 1.");
        if (ChannelsPerGroup < 1)
            throw new ArgumentException($"InkModelConfig.channelsPerGroup is {ChannelsPerGroup}; it must be at least 1.");
        if (Widths is null || Widths.Count != 5)
            throw new ArgumentException($"InkModelConfig.widths has {Widths?.Count ?? 0} values; the backbone has exactly five stride-2 stages.");
        if (Widths.Any(w => w < 1))
            throw new ArgumentException($"InkModelConfig.widths is [{string.Join(", ", Widths)}]; every width must be at least 1.");
        if (BlocksPerStage < 0)
            throw new ArgumentException($"InkModelConfig.blocksPerStage is {BlocksPerStage}; it must be 0 or more.");
        if (NeckChannels < 1)
            throw new ArgumentException($"InkModelConfig.neckChannels is {NeckChannels}; it must be at least 1.");
        if (Blocks3d < 0)
            throw new ArgumentException($"InkModelConfig.blocks3d is {Blocks3d}; it must be 0 or more.");
    }
}
