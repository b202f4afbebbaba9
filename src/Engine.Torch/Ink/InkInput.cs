namespace Engine.Torch.Ink;

/// <summary>
/// How a model's input is cut from a fragment: saved with the model (config.json), so inference cuts tiles exactly
/// as training did.
/// </summary>
public sealed record InkInput
{
    /// <summary>The slices read, one channel each; their count is the model's <see cref="InkModelConfig.InputChannels"/>.</summary>
    public SliceRange Slices { get; init; } = new(24, 39);

    /// <summary>Tile side in pixels, a multiple of <see cref="InkModelConfig.OutputStride"/>.</summary>
    public int Tile { get; init; } = 128;

    /// <summary>How samples are scaled before normalization: <see cref="TileScale.Divide65535"/> for uint16 scans.</summary>
    public TileScale Scale { get; init; } = TileScale.Divide65535;

    /// <summary>Whether each tile is normalized by its own mean and std (<see cref="PatchNormalization"/>), as <see cref="VolumeTilerOptions.Normalize"/>.</summary>
    public bool Normalize { get; init; } = true;

    /// <summary>Checks the input against the model it feeds, naming the first field that does not fit.</summary>
    /// <param name="model">The model's config.</param>
    /// <exception cref="ArgumentException">The slices' count differs from the model's input channels, the first slice is negative, the tile is not a positive multiple of 32, or the scale is not defined.</exception>
    public void Validate(InkModelConfig model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (Slices.First < 0 || Slices.Last < Slices.First)
            throw new ArgumentException($"InkInput.slices is {Slices}; it must be FIRST..LAST with 0 ≤ FIRST ≤ LAST.");
        if (Slices.Count != model.InputChannels)
            throw new ArgumentException($"InkInput.slices is {Slices} ({Slices.Count} slices) but the model takes {model.InputChannels} channels ({model.Groups} groups of {model.ChannelsPerGroup}).");
        if (Tile < InkModelConfig.OutputStride || Tile % InkModelConfig.OutputStride != 0)
            throw new ArgumentException($"InkInput.tile is {Tile}; it must be a positive multiple of {InkModelConfig.OutputStride}.");
        if (!Enum.IsDefined(Scale))
            throw new ArgumentException($"InkInput.scale is {Scale}, not a defined TileScale.");
    }
}
