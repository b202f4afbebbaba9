using System.Runtime.CompilerServices;

namespace Engine.Search;

/// <summary>
/// What the int8 error bound takes of one vector <c>v ≈ s v̂</c> (a row or a query): its quantization error
/// <c>e = v − s v̂</c> and its norms, measured in double and rounded up to float (the bound only grows with each).
/// </summary>
/// <param name="Error">max |e|.</param>
/// <param name="ErrorL2">‖e‖₂.</param>
/// <param name="L1">‖v‖₁.</param>
/// <param name="L2">‖v‖₂.</param>
/// <param name="QuantizedL1">‖s v̂‖₁.</param>
/// <param name="QuantizedL2">‖s v̂‖₂.</param>
/// <param name="QuantizedMax">max |s v̂|.</param>
internal readonly record struct Int8Errors(float Error, float ErrorL2, float L1, float L2, float QuantizedL1, float QuantizedL2,
    float QuantizedMax)
{
    private const double Unit = 1.0 / (1 << 24);

    private const double Gamma3 = 3 * Unit / (1 - 3 * Unit);

    /// <summary>2⁻¹⁵⁰: half the spacing of float32's subnormals.</summary>
    private const double HalfSubnormal = 1.0 / (1L << 50) / (1L << 50) / (1L << 50);

    /// <summary>
    /// B: the most the exact scan's float32 score of (<paramref name="query"/>, <paramref name="row"/>) can differ
    /// from the approximate score computed from their int8 copies (derivation in <see cref="CosineTopKInt8"/>'s
    /// remarks). Rising in every field of either side, so the elementwise maxima over rows bound it for every row.
    /// </summary>
    public static double Bound(in Int8Errors query, in Int8Errors row, int dimension) => new QueryBound(query, dimension).Of(row);

    /// <summary>
    /// A query's side of <see cref="Bound"/>, in double once per query, so that a pair's bound costs its row's
    /// products and sums only (the same operations in the same order: the same double).
    /// </summary>
    public readonly struct QueryBound
    {
        private readonly double _l1, _l2, _error, _errorL2, _exactRounding, _approximateRounding, _underflow;

        public QueryBound(in Int8Errors query, int dimension)
        {
            // γ_D = Du / (1 − Du) ≤ Du (1 + 2Du) while Du ≤ 1/2 (D ≤ 2²³).
            double gammaD = dimension * Unit * (1 + 2 * dimension * Unit);
            _l1 = query.L1;
            _l2 = query.L2;
            _error = query.Error;
            _errorL2 = query.ErrorL2;
            _exactRounding = gammaD * query.L2;
            _approximateRounding = Gamma3 * dimension * query.QuantizedMax;
            // The γ bounds are relative and hold for normal numbers; a result in the subnormal range may be off by
            // half its spacing, 2⁻¹⁵⁰, per rounding: D of them in the exact chain, 3 in the approximate score.
            _underflow = (dimension + 3) * HalfSubnormal;
        }

        /// <summary>B for this query and <paramref name="row"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public double Of(in Int8Errors row)
        {
            // Every product is finite and ≥ 0, so the native minimum (no NaN or −0 handling) is the minimum.
            double quantization = double.MinNative(_l1 * row.Error, _l2 * row.ErrorL2)
                + double.MinNative(_error * row.QuantizedL1, _errorL2 * row.QuantizedL2);
            return (quantization + _exactRounding * row.L2 + _approximateRounding * row.QuantizedMax) * (1 + 1e-6) + _underflow;
        }
    }

    /// <summary>The elementwise maximum.</summary>
    public static Int8Errors Max(in Int8Errors a, in Int8Errors b) => new(
        Math.Max(a.Error, b.Error), Math.Max(a.ErrorL2, b.ErrorL2), Math.Max(a.L1, b.L1), Math.Max(a.L2, b.L2),
        Math.Max(a.QuantizedL1, b.QuantizedL1), Math.Max(a.QuantizedL2, b.QuantizedL2), Math.Max(a.QuantizedMax, b.QuantizedMax));

    /// <summary>The largest float not above <paramref name="value"/>.</summary>
    public static float RoundDown(double value)
    {
        float f = (float)value;
        return f > value ? MathF.BitDecrement(f) : f;
    }

    /// <summary>The smallest float not below <paramref name="value"/>.</summary>
    public static float RoundUp(double value)
    {
        float f = (float)value;
        return f < value ? MathF.BitIncrement(f) : f;
    }

    /// <summary>
    /// Sums a vector's quantities one dimension at a time, in double: <c>s v̂</c> is exact in double, and the
    /// subtraction's 2⁻⁵³ relative error is covered by the bound's relative slack.
    /// </summary>
    public struct Accumulator
    {
        private double _error, _error2, _l1, _l2, _quantizedL1, _quantizedL2, _quantizedMax;

        public void Add(float value, double dequantized)
        {
            double e = value - dequantized;
            _error = Math.Max(_error, Math.Abs(e));
            _error2 += e * e;
            _l1 += Math.Abs(value);
            _l2 += (double)value * value;
            _quantizedL1 += Math.Abs(dequantized);
            _quantizedL2 += dequantized * dequantized;
            _quantizedMax = Math.Max(_quantizedMax, Math.Abs(dequantized));
        }

        public readonly Int8Errors Result() => new(RoundUp(_error), RoundUp(Math.Sqrt(_error2)), RoundUp(_l1),
            RoundUp(Math.Sqrt(_l2)), RoundUp(_quantizedL1), RoundUp(Math.Sqrt(_quantizedL2)), RoundUp(_quantizedMax));
    }
}
