namespace Engine.Torch.Ink;

/// <summary>A tile held for training or validation: its raw slices (the input window plus the z-shift margin) and labels.</summary>
/// <param name="Fragment">Index of its fragment.</param>
/// <param name="Origin">Its top-left corner in the fragment.</param>
/// <param name="Slices">uint16 (extended slices, tile, tile), zero-padded beyond the fragment's edge as the tiler pads.</param>
/// <param name="Labels">(tile, tile) 0/1.</param>
internal sealed record InkTile(int Fragment, TileOrigin Origin, ushort[] Slices, byte[] Labels);
