using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Engine.Compute;

namespace Engine.Detection;

/// <summary>
/// Intersection over union of one box with many, in ensemble-boxes' float64 arithmetic, on the widest vectors
/// the CPU accelerates. Every operation (min, max, −, ×, ÷) is correctly rounded, so each lane equals the
/// scalar formula bit for bit and the vector width never changes a fusion decision.
/// </summary>
internal static class BoxIou
{
    /// <summary>
    /// <c>ious[k] = inter / (area_k + area − inter)</c> with <c>inter = max(min(x2) − max(x1), 0) · max(min(y2) − max(y1), 0)</c>:
    /// numpy's <c>bb_iou_array</c> of ensemble-boxes (addition is commutative in IEEE arithmetic, so the order of
    /// the two areas, which differs between its WBF and NMS, does not matter).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void OneToMany(double x1, double y1, double x2, double y2,
        ReadOnlySpan<double> x1s, ReadOnlySpan<double> y1s, ReadOnlySpan<double> x2s, ReadOnlySpan<double> y2s, Span<double> ious)
    {
        int n = ious.Length;
        if (x1s.Length < n || y1s.Length < n || x2s.Length < n || y2s.Length < n)
            throw new ArgumentException("Coordinate spans are shorter than the output.", nameof(ious));
        double area = (x2 - x1) * (y2 - y1);
        int k = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<double>.Count)
            k = Vectors<Width512, Vector512<double>>(x1, y1, x2, y2, area, x1s, y1s, x2s, y2s, ious);
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<double>.Count)
            k = Vectors<Width256, Vector256<double>>(x1, y1, x2, y2, area, x1s, y1s, x2s, y2s, ious);
        for (; k < n; k++)
            ious[k] = Scalar(x1s[k], y1s[k], x2s[k], y2s[k], x1, y1, x2, y2, area);
    }

    /// <summary>One pair, the same arithmetic as a lane of <see cref="OneToMany"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Scalar(double ax1, double ay1, double ax2, double ay2, double bx1, double by1, double bx2, double by2, double areaB)
    {
        double w = Math.Max(Math.Min(ax2, bx2) - Math.Max(ax1, bx1), 0);
        double h = Math.Max(Math.Min(ay2, by2) - Math.Max(ay1, by1), 0);
        double inter = w * h;
        return inter / ((ax2 - ax1) * (ay2 - ay1) + areaB - inter);
    }

    // Full vectors, the last one overlapping the previous so no scalar tail is needed; returns the count done.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Vectors<TWidth, TVector>(double x1, double y1, double x2, double y2, double area,
        ReadOnlySpan<double> x1s, ReadOnlySpan<double> y1s, ReadOnlySpan<double> x2s, ReadOnlySpan<double> y2s, Span<double> ious)
        where TWidth : IVectorArithmetic<TVector, double>
        where TVector : struct
    {
        int n = ious.Length, width = Unsafe.SizeOf<TVector>() / sizeof(double);
        var bx1 = TWidth.Create(x1);
        var by1 = TWidth.Create(y1);
        var bx2 = TWidth.Create(x2);
        var by2 = TWidth.Create(y2);
        var areaB = TWidth.Create(area);
        for (int k = 0; ; k += width)
        {
            if (k > n - width)
                k = n - width;
            var ax1 = TWidth.LoadUnsafe(in MemoryMarshal.GetReference(x1s), (nuint)k);
            var ay1 = TWidth.LoadUnsafe(in MemoryMarshal.GetReference(y1s), (nuint)k);
            var ax2 = TWidth.LoadUnsafe(in MemoryMarshal.GetReference(x2s), (nuint)k);
            var ay2 = TWidth.LoadUnsafe(in MemoryMarshal.GetReference(y2s), (nuint)k);
            var w = TWidth.Max(TWidth.Subtract(TWidth.Min(ax2, bx2), TWidth.Max(ax1, bx1)), default);
            var h = TWidth.Max(TWidth.Subtract(TWidth.Min(ay2, by2), TWidth.Max(ay1, by1)), default);
            var inter = TWidth.Multiply(w, h);
            var areaA = TWidth.Multiply(TWidth.Subtract(ax2, ax1), TWidth.Subtract(ay2, ay1));
            var iou = TWidth.Divide(inter, TWidth.Subtract(TWidth.Add(areaA, areaB), inter));
            TWidth.StoreUnsafe(iou, ref MemoryMarshal.GetReference(ious), (nuint)k);
            if (k == n - width)
                return n;
        }
    }

    /// <summary>Index of the first maximum of <paramref name="values"/> (numpy's argmax); −1 when empty.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ArgMax(ReadOnlySpan<double> values)
    {
        int best = values.IsEmpty ? -1 : 0;
        for (int k = 1; k < values.Length; k++)
        {
            if (values[k] > values[best])
                best = k;
        }
        return best;
    }
}
