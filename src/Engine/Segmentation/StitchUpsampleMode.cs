namespace Engine.Segmentation;

/// <summary>Where upsampling happens relative to accumulation.</summary>
public enum StitchUpsampleMode
{
    /// <summary>Upsample every window, then accumulate at full resolution: what the winning ink-detection solutions did (the parity mode).</summary>
    PerTile,

    /// <summary>Accumulate at low resolution, then upsample the finished map once: far less work, a slightly different answer (see docs/internals.md).</summary>
    Fast,
}
