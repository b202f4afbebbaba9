using System.Runtime.InteropServices;

namespace Engine.Search;

/// <summary>
/// The database quantized to int8 for the approximate scan: row r is stored as <c>x̂ = round(x / s_r)</c> with
/// <c>s_r = max|x| / 127</c> (symmetric, per row), in panels of <see cref="PanelStore.Width"/> rows laid out for
/// <c>vpmaddwd</c>: for each pair of dimensions, 64 lanes × 2 bytes (lane-major), so one 32-byte load widened to
/// 16-bit holds 16 rows × 2 dimensions. A quarter of the float panels' bytes: the scan reads 4× less memory.
/// </summary>
/// <remarks>The maxima over rows that the error bound needs (<see cref="MaxError"/>, <see cref="MaxL1"/>,
/// <see cref="MaxL2"/>, <see cref="MaxAbs"/>) are measured in double while quantizing.</remarks>
internal sealed unsafe class Int8PanelStore : IDisposable
{
    private sbyte* _data;

    /// <summary>Quantizes every row of <paramref name="source"/>.</summary>
    public Int8PanelStore(PanelStore source)
    {
        Dimension = source.Dimension;
        Pairs = (Dimension + 1) / 2;
        Count = source.Count;
        Panels = source.Panels;
        nuint bytes = (nuint)Math.Max(1, Panels * PanelLength);
        _data = (sbyte*)NativeMemory.AlignedAlloc(bytes, 64);
        NativeMemory.Clear(_data, bytes);
        Scales = new float[Panels * PanelStore.Width];
        var gate = new Lock();
        Parallel.For(0, Panels, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, p =>
        {
            var (error, l1, l2, abs) = QuantizePanel(source, p);
            lock (gate)
            {
                MaxError = Math.Max(MaxError, error);
                MaxL1 = Math.Max(MaxL1, l1);
                MaxL2 = Math.Max(MaxL2, l2);
                MaxAbs = Math.Max(MaxAbs, abs);
            }
        });
    }

    /// <summary>
    /// Quantizes the rows of one panel, reading the float panel in its own layout (64 consecutive lanes per
    /// dimension); returns the panel's maxima of the bound's row quantities. The rounding rule only has to be
    /// close: the bound uses the errors measured here (in double: <c>s_r · x̂</c> is exact in double, and the
    /// subtraction's 2⁻⁵³ relative error is covered by the bound's relative slack).
    /// </summary>
    private (double Error, double L1, double L2, double Abs) QuantizePanel(PanelStore source, long p)
    {
        const int width = PanelStore.Width;
        float* panel = source.Panel(p);
        int valid = (int)Math.Min(width, Count - p * width);
        Span<float> max = stackalloc float[width];
        Span<float> inverse = stackalloc float[width];
        Span<double> error = stackalloc double[width], l1 = stackalloc double[width], l2 = stackalloc double[width];
        max.Clear(); error.Clear(); l1.Clear(); l2.Clear();
        for (int d = 0; d < Dimension; d++)
        {
            for (int lane = 0; lane < valid; lane++)
                max[lane] = Math.Max(max[lane], Math.Abs(panel[(long)d * width + lane]));
        }
        double absMax = 0;
        for (int lane = 0; lane < valid; lane++)
        {
            // An all-zero row quantizes to zeros with any scale; 1 keeps the reciprocal finite.
            float scale = max[lane] > 0 ? max[lane] / 127f : 1f;
            Scales[p * width + lane] = scale;
            inverse[lane] = 1f / scale;
        }
        sbyte* target = Panel(p);
        for (int d = 0; d < Dimension; d++)
        {
            float* row = panel + (long)d * width;
            sbyte* t = target + (long)(d / 2) * width * 2 + (d & 1);
            for (int lane = 0; lane < valid; lane++)
            {
                float x = row[lane];
                int q = (int)Math.Clamp(MathF.Round(x * inverse[lane]), -127, 127);
                t[lane * 2] = (sbyte)q;
                double dequantized = (double)Scales[p * width + lane] * q;
                error[lane] = Math.Max(error[lane], Math.Abs(x - dequantized));
                l1[lane] += Math.Abs(dequantized);
                l2[lane] += (double)x * x;
                absMax = Math.Max(absMax, Math.Abs(dequantized));
            }
        }
        double maxError = 0, maxL1 = 0, maxL2 = 0;
        for (int lane = 0; lane < valid; lane++)
        {
            maxError = Math.Max(maxError, error[lane]);
            maxL1 = Math.Max(maxL1, l1[lane]);
            maxL2 = Math.Max(maxL2, Math.Sqrt(l2[lane]));
        }
        return (maxError, maxL1, maxL2, absMax);
    }

    public int Dimension { get; }

    /// <summary>Dimension pairs: the dimension rounded up to even, halved (the odd tail is padded with zeros).</summary>
    public int Pairs { get; }

    public long Count { get; }

    public long Panels { get; }

    /// <summary>Bytes per panel.</summary>
    public long PanelLength => (long)Pairs * PanelStore.Width * 2;

    /// <summary>The scale s_r of each row (padding rows: 0), so the approximate score is <c>s_q · s_r · (q̂ · x̂)</c>.</summary>
    public float[] Scales { get; }

    /// <summary>max over rows and dimensions of |x − s_r x̂|.</summary>
    public double MaxError { get; private set; }

    /// <summary>max over rows of ‖s_r x̂‖₁.</summary>
    public double MaxL1 { get; private set; }

    /// <summary>max over rows of ‖x‖₂.</summary>
    public double MaxL2 { get; private set; }

    /// <summary>max over rows and dimensions of |s_r x̂|.</summary>
    public double MaxAbs { get; private set; }

    /// <summary>The first byte of panel <paramref name="panel"/>.</summary>
    public sbyte* Panel(long panel) => _data + panel * PanelLength;

    public void Dispose()
    {
        if (_data is not null)
            NativeMemory.AlignedFree(_data);
        _data = null;
    }
}
