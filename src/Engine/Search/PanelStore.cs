namespace Engine.Search;

/// <summary>
/// The database in the micro-kernel's layout: rows in panels of <see cref="Width"/>, each panel dimension-major
/// (<c>panel[d][lane]</c>), so one step of the kernel's dimension loop reads <see cref="Width"/> consecutive floats —
/// four Vector512 loads — for all the rows of the panel. The last panel is padded with zero rows. Native memory:
/// tens of millions of rows exceed a .NET array, and 64-byte alignment keeps every load within one cache line.
/// </summary>
internal sealed unsafe class PanelStore : IDisposable
{
    /// <summary>Rows per panel: 4 Vector512 (or 8 Vector256) of float32, the micro-kernel's column count.</summary>
    public const int Width = 64;

    private float* _data;
    private long _capacityPanels;

    public PanelStore(int dimension) => Dimension = dimension;

    public int Dimension { get; }

    public long Count { get; private set; }

    public long Panels => (Count + Width - 1) / Width;

    /// <summary>Floats per panel.</summary>
    public long PanelLength => (long)Width * Dimension;

    /// <summary>The first float of panel <paramref name="panel"/>.</summary>
    public float* Panel(long panel) => _data + panel * PanelLength;

    /// <summary>The packed data of every panel (for uploading to a device): <see cref="Panels"/> × <see cref="PanelLength"/> floats.</summary>
    public float* Data => _data;

    /// <summary>Appends one row.</summary>
    public void Append(ReadOnlySpan<float> row)
    {
        long panel = Count / Width;
        if (panel >= _capacityPanels)
            Grow(panel + 1);
        int lane = (int)(Count % Width);
        float* p = Panel(panel) + lane;
        for (int d = 0; d < row.Length; d++)
            p[(long)d * Width] = row[d];
        Count++;
    }

    /// <summary>Copies row <paramref name="row"/> out of the panel layout.</summary>
    public void CopyRow(long row, Span<float> destination)
    {
        float* p = Panel(row / Width) + row % Width;
        for (int d = 0; d < Dimension; d++)
            destination[d] = p[(long)d * Width];
    }

    /// <summary>Makes room for at least <paramref name="rows"/> rows, so a large Add does not regrow many times.</summary>
    public void Reserve(long rows)
    {
        long panels = (rows + Width - 1) / Width;
        if (panels > _capacityPanels)
            Grow(panels);
    }

    private void Grow(long panels)
    {
        long capacity = Math.Max(panels, Math.Max(4, _capacityPanels * 2));
        nuint bytes = (nuint)(capacity * PanelLength * sizeof(float));
        var data = (float*)NativeMemory.AlignedAlloc(bytes, 64);
        // Zero first: padding lanes of the last panel must score 0, never garbage (NaN would poison nothing, but
        // a stray huge value would be offered to the selection for nothing).
        NativeMemory.Clear(data, bytes);
        if (_data is not null)
        {
            Buffer.MemoryCopy(_data, data, (long)bytes, _capacityPanels * PanelLength * sizeof(float));
            NativeMemory.AlignedFree(_data);
        }
        _data = data;
        _capacityPanels = capacity;
    }

    /// <summary>Forgets the rows from <paramref name="count"/> on (a cancelled add), zeroing their lanes: padding must score 0.</summary>
    public void Truncate(long count)
    {
        for (long r = count; r < Count; r++)
        {
            float* p = Panel(r / Width) + r % Width;
            for (int d = 0; d < Dimension; d++)
                p[(long)d * Width] = 0;
        }
        Count = count;
    }

    /// <summary>Forgets every row and frees the memory.</summary>
    public void Clear()
    {
        if (_data is not null)
            NativeMemory.AlignedFree(_data);
        _data = null;
        _capacityPanels = 0;
        Count = 0;
    }

    public void Dispose() => Clear();
}
