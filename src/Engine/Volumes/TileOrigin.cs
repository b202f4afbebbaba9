namespace Engine.Volumes;

/// <summary>The top-left corner of a tile, in pixels of the (unpadded) slice.</summary>
/// <param name="Y">Row.</param>
/// <param name="X">Column.</param>
public readonly record struct TileOrigin(int Y, int X);
