using System.Runtime.InteropServices;

namespace Engine.Search;

/// <summary>
/// The database quantized to int8 for the prefilter scan: row r is stored as <c>x̂ = round(x / s_r)</c> with
/// <c>s_r = max|x| / 127</c> (symmetric, per row), in panels of <see cref="PanelStore.Width"/> rows laid out for
/// <c>vpdpbusd</c>: for each quad of dimensions, 64 lanes × 4 bytes (lane-major), so one 32-byte load holds 8 rows ×
/// 4 dimensions and each 32-bit lane one row's quad. A quarter of the float panels' bytes.
/// </summary>
/// <remarks>Each row's <see cref="Int8Errors"/> and their elementwise maxima (<see cref="MaxErrors"/>) are measured
/// while quantizing; rows are quantized as they are appended, each on its own, so appending never touches the rows
/// already stored.</remarks>
internal sealed unsafe class Int8PanelStore : IDisposable
{
    /// <summary>The query's bias: queries are stored as <c>q̂ + 128</c> in [1, 255], the unsigned side of <c>vpdpbusd</c>.</summary>
    public const int QueryBias = 128;

    private sbyte* _data;
    private long _capacityPanels;
    private int[] _biasCorrections = [];
    private float[] _scales = [];
    private Int8Errors[] _rowErrors = [];

    public Int8PanelStore(int dimension)
    {
        Dimension = dimension;
        Quads = (dimension + 3) / 4;
    }

    /// <summary>Quantizes every row of <paramref name="source"/>.</summary>
    public Int8PanelStore(PanelStore source) : this(source.Dimension) => Append(source);

    public int Dimension { get; }

    /// <summary>Dimension quads: the dimension rounded up to a multiple of 4, quartered (the tail is padded with zeros).</summary>
    public int Quads { get; }

    public long Count { get; private set; }

    public long Panels => (Count + PanelStore.Width - 1) / PanelStore.Width;

    /// <summary>Bytes per panel.</summary>
    public long PanelLength => (long)Quads * PanelStore.Width * 4;

    /// <summary>The scale s_r of each row (padding rows: 0), so the approximate score is <c>s_q · s_r · (q̂ · x̂)</c>.</summary>
    public float[] Scales => _scales;

    /// <summary><c>128 · Σ x̂</c> of each row: what the query's bias adds to a dot, subtracted before scaling.</summary>
    public int[] BiasCorrections => _biasCorrections;

    /// <summary>Each row's quantization errors and norms (padding rows: zeros), for its own bound.</summary>
    public Int8Errors[] RowErrors => _rowErrors;

    /// <summary>The elementwise maxima of <see cref="RowErrors"/>: with them <see cref="Int8Errors.Bound"/> holds for every row.</summary>
    public Int8Errors MaxErrors { get; private set; }

    /// <summary>The first byte of panel <paramref name="panel"/>.</summary>
    public sbyte* Panel(long panel) => _data + panel * PanelLength;

    /// <summary>Quantizes the rows of <paramref name="source"/> this store does not hold yet.</summary>
    public void Append(PanelStore source)
    {
        long from = Count;
        if (source.Count <= from)
            return;
        Reserve(source.Panels);
        Count = source.Count;
        long firstPanel = from / PanelStore.Width;
        var gate = new Lock();
        Parallel.For(firstPanel, Panels, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, p =>
        {
            int firstLane = p == firstPanel ? (int)(from % PanelStore.Width) : 0;
            var max = QuantizePanel(source, p, firstLane);
            lock (gate)
                MaxErrors = Int8Errors.Max(MaxErrors, max);
        });
    }

    private void Reserve(long panels)
    {
        if (panels <= _capacityPanels)
            return;
        long capacity = Math.Max(panels, Math.Max(4, _capacityPanels * 2));
        nuint bytes = (nuint)(capacity * PanelLength);
        var data = (sbyte*)NativeMemory.AlignedAlloc(bytes, 64);
        // Padding lanes and dimensions must hold zeros: they add nothing to a dot.
        NativeMemory.Clear(data, bytes);
        if (_data is not null)
        {
            Buffer.MemoryCopy(_data, data, (long)bytes, _capacityPanels * PanelLength);
            NativeMemory.AlignedFree(_data);
        }
        _data = data;
        Array.Resize(ref _scales, (int)(capacity * PanelStore.Width));
        Array.Resize(ref _biasCorrections, (int)(capacity * PanelStore.Width));
        Array.Resize(ref _rowErrors, (int)(capacity * PanelStore.Width));
        _capacityPanels = capacity;
    }

    /// <summary>
    /// Quantizes lanes [<paramref name="firstLane"/>, valid) of one panel, reading the float panel in its own layout
    /// (64 consecutive lanes per dimension), and measures their errors; returns their maxima. The rounding rule only
    /// has to be close: the bound uses the errors measured here.
    /// </summary>
    private Int8Errors QuantizePanel(PanelStore source, long p, int firstLane)
    {
        const int width = PanelStore.Width;
        float* panel = source.Panel(p);
        int valid = (int)Math.Min(width, Count - p * width);
        Span<float> max = stackalloc float[width];
        Span<float> inverse = stackalloc float[width];
        Span<int> sum = stackalloc int[width];
        Span<Int8Errors.Accumulator> errors = stackalloc Int8Errors.Accumulator[width];
        max.Clear(); sum.Clear(); errors.Clear();
        for (int d = 0; d < Dimension; d++)
        {
            for (int lane = firstLane; lane < valid; lane++)
                max[lane] = Math.Max(max[lane], Math.Abs(panel[(long)d * width + lane]));
        }
        for (int lane = firstLane; lane < valid; lane++)
        {
            // An all-zero row quantizes to zeros with any scale; 1 keeps the reciprocal finite.
            float scale = max[lane] > 0 ? max[lane] / 127f : 1f;
            _scales[p * width + lane] = scale;
            inverse[lane] = 1f / scale;
        }
        sbyte* target = Panel(p);
        for (int d = 0; d < Dimension; d++)
        {
            float* row = panel + (long)d * width;
            sbyte* t = target + (long)(d / 4) * width * 4 + (d & 3);
            for (int lane = firstLane; lane < valid; lane++)
            {
                float x = row[lane];
                int q = (int)Math.Clamp(MathF.Round(x * inverse[lane]), -127, 127);
                t[lane * 4] = (sbyte)q;
                sum[lane] += q;
                errors[lane].Add(x, (double)_scales[p * width + lane] * q);
            }
        }
        Int8Errors panelMax = default;
        for (int lane = firstLane; lane < valid; lane++)
        {
            _biasCorrections[p * width + lane] = QueryBias * sum[lane];
            _rowErrors[p * width + lane] = errors[lane].Result();
            panelMax = Int8Errors.Max(panelMax, _rowErrors[p * width + lane]);
        }
        return panelMax;
    }

    public void Dispose()
    {
        if (_data is not null)
            NativeMemory.AlignedFree(_data);
        _data = null;
    }
}
