namespace Engine.Kernels.Segmentation;

/// <summary>
/// One window's placement in the stitcher's accumulator: its origin (<see cref="Y"/>, <see cref="X"/>) and the
/// window's rows [<see cref="RowFrom"/>, <see cref="RowTo"/>) and columns [<see cref="ColumnFrom"/>,
/// <see cref="ColumnTo"/>) that count (all, or the inner block widened to the window's edge where it touches the
/// map's), already clipped to the accumulator so no loop checks bounds again. The CPU path and the kernel read the
/// same array of them.
/// </summary>
public readonly record struct StitchWindow(int Y, int X, int RowFrom, int RowTo, int ColumnFrom, int ColumnTo)
{
    /// <summary>Whether no pixel of the window counts (its counted block lies wholly past the map's edge).</summary>
    public bool IsEmpty => RowTo <= RowFrom || ColumnTo <= ColumnFrom;
}
