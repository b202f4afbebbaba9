namespace Engine.Volumes;

/// <summary>Which tiles of the grid <see cref="TileGrid"/> keeps.</summary>
public enum TileKeepRule
{
    /// <summary>Tiles with at least one non-zero mask pixel (the ink-detection solutions' rule).</summary>
    AnyMasked,

    /// <summary>Only tiles entirely inside the mask.</summary>
    AllMasked,
}
