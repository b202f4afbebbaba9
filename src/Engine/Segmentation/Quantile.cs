using Engine.Kernels.Segmentation;

namespace Engine.Segmentation;

/// <summary>
/// Quantiles that equal <c>numpy.quantile(values[mask], q)</c> (numpy's default 'linear' method) bit for bit,
/// found by an O(n) radix select instead of a sort.
/// </summary>
/// <remarks>
/// numpy's arithmetic, reproduced exactly: the virtual index <c>(n − 1)·q</c> in float64; its neighbours
/// a = x[⌊(n − 1)·q⌋] and b = the next order statistic (both the maximum when the index reaches n − 1);
/// <c>diff = b − a</c> in the input's type; then <c>a + diff·γ</c>, or <c>b − diff·(1 − γ)</c> when γ ≥ 0.5,
/// in float64, so a float32 input still gives a float64 result. numpy's partition does not tell −0 from +0;
/// here both count as +0. Infinities are ordinary values (numpy's formula then gives what numpy gives, NaN for
/// ∞ − ∞ included).
/// </remarks>
public static partial class Quantile
{
    /// <summary>The <paramref name="q"/>-quantile of the selected values.</summary>
    /// <param name="values">The values, e.g. a probability map flattened row-major.</param>
    /// <param name="q">The quantile in [0, 1] (a percentile ÷ 100).</param>
    /// <param name="mask">Optional selection of the same length (non-zero = use the value), like <c>values[mask]</c>.</param>
    /// <param name="ignoreNaN">Skip NaNs like <c>numpy.nanquantile</c>; otherwise a NaN is an error.</param>
    /// <param name="compute">Where to run; null runs the CPU SIMD path.</param>
    /// <returns>The quantile, as numpy computes it, in float64.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="q"/> is outside [0, 1] or NaN.</exception>
    /// <exception cref="ArgumentException">The mask's length differs from the values', no value is selected, or a selected value is NaN and <paramref name="ignoreNaN"/> is false (then a <see cref="QuantileNaNException"/>).</exception>
    public static double Compute(ReadOnlySpan<float> values, double q, ReadOnlySpan<byte> mask = default,
        bool ignoreNaN = false, ComputeContext? compute = null)
    {
        double result = 0;
        Run(values, new ReadOnlySpan<double>(in q), new Span<double>(ref result), mask, ignoreNaN, compute);
        return result;
    }

    /// <inheritdoc cref="Compute(ReadOnlySpan{float}, double, ReadOnlySpan{byte}, bool, ComputeContext?)"/>
    public static double Compute(ReadOnlySpan<double> values, double q, ReadOnlySpan<byte> mask = default,
        bool ignoreNaN = false, ComputeContext? compute = null)
    {
        double result = 0;
        Run(values, new ReadOnlySpan<double>(in q), new Span<double>(ref result), mask, ignoreNaN, compute);
        return result;
    }

    /// <summary>Several quantiles of the selected values in one set of passes over the data.</summary>
    /// <param name="values">The values.</param>
    /// <param name="qs">The quantiles, each in [0, 1], in any order.</param>
    /// <param name="results">Receives one quantile per entry of <paramref name="qs"/>.</param>
    /// <param name="mask">Optional selection of the same length (non-zero = use the value).</param>
    /// <param name="ignoreNaN">Skip NaNs like <c>numpy.nanquantile</c>; otherwise a NaN is an error.</param>
    /// <param name="compute">Where to run; null runs the CPU SIMD path.</param>
    /// <exception cref="ArgumentOutOfRangeException">A q is outside [0, 1] or NaN.</exception>
    /// <exception cref="ArgumentException">Lengths disagree, no value is selected, or a selected value is NaN and <paramref name="ignoreNaN"/> is false (then a <see cref="QuantileNaNException"/>).</exception>
    public static void Compute(ReadOnlySpan<float> values, ReadOnlySpan<double> qs, Span<double> results,
        ReadOnlySpan<byte> mask = default, bool ignoreNaN = false, ComputeContext? compute = null)
        => Run(values, qs, results, mask, ignoreNaN, compute);

    /// <inheritdoc cref="Compute(ReadOnlySpan{float}, ReadOnlySpan{double}, Span{double}, ReadOnlySpan{byte}, bool, ComputeContext?)"/>
    public static void Compute(ReadOnlySpan<double> values, ReadOnlySpan<double> qs, Span<double> results,
        ReadOnlySpan<byte> mask = default, bool ignoreNaN = false, ComputeContext? compute = null)
        => Run(values, qs, results, mask, ignoreNaN, compute);

    /// <summary>Several quantiles of the selected values, allocating the result.</summary>
    /// <inheritdoc cref="Compute(ReadOnlySpan{float}, ReadOnlySpan{double}, Span{double}, ReadOnlySpan{byte}, bool, ComputeContext?)"/>
    public static double[] Compute(ReadOnlySpan<float> values, ReadOnlySpan<double> qs,
        ReadOnlySpan<byte> mask = default, bool ignoreNaN = false, ComputeContext? compute = null)
    {
        var results = new double[qs.Length];
        Run(values, qs, results, mask, ignoreNaN, compute);
        return results;
    }

    /// <summary>Several quantiles of the selected values, allocating the result.</summary>
    /// <inheritdoc cref="Compute(ReadOnlySpan{float}, ReadOnlySpan{double}, Span{double}, ReadOnlySpan{byte}, bool, ComputeContext?)"/>
    public static double[] Compute(ReadOnlySpan<double> values, ReadOnlySpan<double> qs,
        ReadOnlySpan<byte> mask = default, bool ignoreNaN = false, ComputeContext? compute = null)
    {
        var results = new double[qs.Length];
        Run(values, qs, results, mask, ignoreNaN, compute);
        return results;
    }

    private static unsafe void Run<T>(ReadOnlySpan<T> values, ReadOnlySpan<double> qs, Span<double> results,
        ReadOnlySpan<byte> mask, bool ignoreNaN, ComputeContext? compute) where T : unmanaged
    {
        for (int i = 0; i < qs.Length; i++)
        {
            if (!(qs[i] >= 0 && qs[i] <= 1))
                throw new ArgumentOutOfRangeException(nameof(qs), qs[i], $"q[{i}] = {qs[i]} is outside [0, 1]; a percentile p is q = p / 100.");
        }
        if (results.Length != qs.Length)
            throw new ArgumentException($"results has {results.Length} elements but {qs.Length} quantiles were asked for.", nameof(results));
        if (!mask.IsEmpty && mask.Length != values.Length)
            throw new ArgumentException($"mask has {mask.Length} elements but values has {values.Length}; they must match.", nameof(mask));
        if (values.IsEmpty)
            throw new ArgumentException("values is empty: a quantile of no values is undefined.", nameof(values));
        if (qs.IsEmpty)
            return;

        if (compute is { UsesKernels: true })
        {
            using var launch = compute.BeginLaunch();
            var counter = typeof(T) == typeof(float)
                ? new KernelDigitCounter(launch, MemoryMarshal.Cast<T, float>(values), mask)
                : new KernelDigitCounter(launch, MemoryMarshal.Cast<T, double>(values), mask);
            Select(counter, values, qs, results, mask, ignoreNaN);
            return;
        }
        fixed (T* v = values)
        fixed (byte* m = mask)
        {
            Select(new SimdDigitCounter<T>(v, m, values.Length), values, qs, results, mask, ignoreNaN);
        }
    }

    private static void Select<T, TCounter>(TCounter counter, ReadOnlySpan<T> values, ReadOnlySpan<double> qs,
        Span<double> results, ReadOnlySpan<byte> mask, bool ignoreNaN)
        where T : unmanaged where TCounter : IDigitCounter
    {
        var topCounts = new long[1 << counter.TopDigitBits];
        long nanCount = counter.Count(64 - counter.TopDigitBits, counter.TopDigitBits, [], topCounts);
        long selected = 0;
        foreach (long c in topCounts)
            selected += c;
        if (nanCount > 0 && !ignoreNaN)
            throw new QuantileNaNException(FirstNaN(values, mask), nanCount, nameof(values));
        long n = selected - nanCount;
        if (n == 0)
        {
            throw new ArgumentException(selected == 0
                ? $"the mask selects none of the {values.Length} values."
                : $"all {selected} selected values are NaN.", nameof(mask));
        }

        // numpy's neighbours of the virtual index (n − 1)·q; at or past the last index both are the maximum and
        // numpy's 'previous index' becomes −1, which is what γ = index − previous then sees.
        var lower = new long[qs.Length];
        var gamma = new double[qs.Length];
        var wanted = new SortedSet<long>();
        for (int i = 0; i < qs.Length; i++)
        {
            double index = (n - 1) * qs[i];
            long previous = index >= n - 1 ? -1 : (long)Math.Floor(index);
            lower[i] = previous < 0 ? n - 1 : previous;
            gamma[i] = index - previous;
            wanted.Add(lower[i]);
            wanted.Add(Math.Min(lower[i] + 1, n - 1));
        }
        var ranks = wanted.ToArray();
        var keys = new ulong[ranks.Length];
        RadixSelect.SelectKeys(counter, typeof(T) == typeof(float) ? 32 : 64, topCounts, ranks, keys);

        for (int i = 0; i < qs.Length; i++)
        {
            ulong keyA = keys[Array.BinarySearch(ranks, lower[i])];
            ulong keyB = keys[Array.BinarySearch(ranks, Math.Min(lower[i] + 1, n - 1))];
            results[i] = typeof(T) == typeof(float)
                ? Lerp(OrderedKey.ToFloat(keyA), OrderedKey.ToFloat(keyB), gamma[i])
                : Lerp(OrderedKey.ToDouble(keyA), OrderedKey.ToDouble(keyB), gamma[i]);
        }
    }

    /// <summary>numpy's <c>_lerp</c> with the difference taken in float32, as numpy does for float32 input.</summary>
    private static double Lerp(float a, float b, double t)
    {
        float diff = b - a;
        return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
    }

    /// <summary>numpy's <c>_lerp</c>.</summary>
    private static double Lerp(double a, double b, double t)
    {
        double diff = b - a;
        return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
    }

    private static long FirstNaN<T>(ReadOnlySpan<T> values, ReadOnlySpan<byte> mask) where T : unmanaged
    {
        for (int start = 0; ;)
        {
            var rest = values[start..];
            int i = typeof(T) == typeof(float)
                ? ElementWise.IndexOfNaN(MemoryMarshal.Cast<T, float>(rest))
                : ElementWise.IndexOfNaN(MemoryMarshal.Cast<T, double>(rest));
            if (i < 0)
                return -1;
            if (mask.IsEmpty || mask[start + i] != 0)
                return start + i;
            start += i + 1;
        }
    }
}
