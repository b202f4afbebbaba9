namespace Engine.Segmentation;

/// <summary>One region of a <see cref="StitchRegions"/> split: the map rows it owns and the rows it stitches over.</summary>
/// <param name="Index">Its position among the regions, top to bottom.</param>
/// <param name="Top">First map row it owns.</param>
/// <param name="Bottom">Row after the last it owns.</param>
/// <param name="ExtentTop">First map row it stitches over: <paramref name="Top"/> less one window's height (the halo), or 0.</param>
/// <param name="ExtentBottom">Row after the last it stitches over: <paramref name="Bottom"/> plus one window's height, or the map's height.</param>
public readonly record struct StitchRegion(int Index, int Top, int Bottom, int ExtentTop, int ExtentBottom)
{
    /// <summary>Map rows it owns.</summary>
    public int Rows => Bottom - Top;
}
