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
        var row = new float[Dimension];
        for (long r = 0; r < Count; r++)
        {
            source.CopyRow(r, row);
            float max = 0;
            foreach (float v in row)
                max = Math.Max(max, Math.Abs(v));
            // An all-zero row quantizes to zeros with any scale; 1 keeps the division finite.
            float scale = max > 0 ? max / 127f : 1f;
            Scales[r] = scale;
            sbyte* p = Panel(r / PanelStore.Width) + (r % PanelStore.Width) * 2;
            double error = 0, l1 = 0, l2 = 0, abs = 0;
            for (int d = 0; d < Dimension; d++)
            {
                int q = (int)Math.Clamp(Math.Round(row[d] / (double)scale), -127, 127);
                p[(long)(d / 2) * PanelStore.Width * 2 + (d & 1)] = (sbyte)q;
                // scale · q is exact in double (24 + 7 bits); the subtraction rounds by at most 2^-53 relative,
                // which the bound's relative slack covers.
                double dequantized = (double)scale * q;
                error = Math.Max(error, Math.Abs(row[d] - dequantized));
                l1 += Math.Abs(dequantized);
                l2 += (double)row[d] * row[d];
                abs = Math.Max(abs, Math.Abs(dequantized));
            }
            MaxError = Math.Max(MaxError, error);
            MaxL1 = Math.Max(MaxL1, l1);
            MaxL2 = Math.Max(MaxL2, Math.Sqrt(l2));
            MaxAbs = Math.Max(MaxAbs, abs);
        }
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
    public double MaxError { get; }

    /// <summary>max over rows of ‖s_r x̂‖₁.</summary>
    public double MaxL1 { get; }

    /// <summary>max over rows of ‖x‖₂.</summary>
    public double MaxL2 { get; }

    /// <summary>max over rows and dimensions of |s_r x̂|.</summary>
    public double MaxAbs { get; }

    /// <summary>The first byte of panel <paramref name="panel"/>.</summary>
    public sbyte* Panel(long panel) => _data + panel * PanelLength;

    public void Dispose()
    {
        if (_data is not null)
            NativeMemory.AlignedFree(_data);
        _data = null;
    }
}
