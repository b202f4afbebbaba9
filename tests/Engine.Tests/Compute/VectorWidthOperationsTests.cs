using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Engine.Compute;

namespace Engine.Tests.Compute;

/// <summary>
/// Every operation of <see cref="Width512"/> and <see cref="Width256"/> against the scalar operation, lane by lane
/// and bit for bit, on values with signed zeros, NaN, ±∞ and subnormals: the SIMD bodies written once over the width
/// (box IoU, the stitcher's rows, the window sums, the element-wise loop) take their exactness from these.
/// </summary>
public class VectorWidthOperationsTests
{
    private static T[] Values<T>(int length, int seed) where T : IFloatingPointIeee754<T>
    {
        T[] special = [T.Zero, T.NegativeZero, T.NaN, T.PositiveInfinity, T.NegativeInfinity, T.Epsilon, -T.Epsilon, T.One];
        var random = new Random(seed);
        var values = new T[length];
        for (int i = 0; i < length; i++)
            values[i] = random.Next(4) == 0 ? special[random.Next(special.Length)] : T.CreateChecked(random.NextDouble() * 200 - 100);
        return values;
    }

    private static void AssertSameBits<T>(T expected, T actual, string what) where T : IFloatingPointIeee754<T>
        => Assert.True((expected == actual && T.IsNegative(expected) == T.IsNegative(actual)) || (T.IsNaN(expected) && T.IsNaN(actual)),
            $"{what}: {expected} vs {actual}");

    [Fact]
    public void Both_widths_compute_each_arithmetic_operation_as_the_scalar_one()
    {
        Check<Width512, Vector512<float>, float>();
        Check<Width256, Vector256<float>, float>();
        Check<Width512, Vector512<double>, double>();
        Check<Width256, Vector256<double>, double>();
    }

    private static void Check<TWidth, TVector, T>()
        where TWidth : IVectorArithmetic<TVector, T>
        where TVector : struct
        where T : struct, IFloatingPointIeee754<T>
    {
        int lanes = Unsafe.SizeOf<TVector>() / Unsafe.SizeOf<T>();
        var ops = new (string Name, Func<TVector, TVector, TVector, TVector> Vector, Func<T, T, T, T> Scalar)[]
        {
            ("Add", (x, y, _) => TWidth.Add(x, y), (x, y, _) => x + y),
            ("Subtract", (x, y, _) => TWidth.Subtract(x, y), (x, y, _) => x - y),
            ("Multiply", (x, y, _) => TWidth.Multiply(x, y), (x, y, _) => x * y),
            ("Divide", (x, y, _) => TWidth.Divide(x, y), (x, y, _) => x / y),
            ("Min", (x, y, _) => TWidth.Min(x, y), (x, y, _) => T.Min(x, y)),
            ("Max", (x, y, _) => TWidth.Max(x, y), (x, y, _) => T.Max(x, y)),
            ("FusedMultiplyAdd", TWidth.FusedMultiplyAdd, T.FusedMultiplyAdd),
            ("GreaterThan ? x : z", (x, y, z) => TWidth.ConditionalSelect(TWidth.GreaterThan(x, y), x, z), (x, y, z) => x > y ? x : z),
            ("Create", (_, _, _) => TWidth.Create(T.Pi), (_, _, _) => T.Pi),
        };
        for (int seed = 0; seed < 20; seed++)
        {
            T[] x = Values<T>(lanes, seed), y = Values<T>(lanes, seed + 100), z = Values<T>(lanes, seed + 200);
            var result = new T[lanes];
            foreach (var (name, vector, scalar) in ops)
            {
                var v = vector(TWidth.LoadUnsafe(in x[0], 0), TWidth.LoadUnsafe(in y[0], 0), TWidth.LoadUnsafe(in z[0], 0));
                TWidth.StoreUnsafe(v, ref result[0], 0);
                for (int i = 0; i < lanes; i++)
                    AssertSameBits(scalar(x[i], y[i], z[i]), result[i], $"{typeof(TWidth).Name} {typeof(T).Name} {name} [{i}]: {x[i]}, {y[i]}, {z[i]}");
            }
        }
        // Small integers: every order of summation gives the exact sum.
        var integers = Enumerable.Range(1, lanes).Select(i => T.CreateChecked(i * (i % 2 == 0 ? 3 : -1))).ToArray();
        T sum = integers.Aggregate(T.Zero, (a, b) => a + b);
        AssertSameBits(sum, TWidth.Sum(TWidth.LoadUnsafe(in integers[0], 0)), $"{typeof(TWidth).Name} {typeof(T).Name} Sum");
    }

    [Fact]
    public void Both_widths_widen_and_narrow_as_the_scalar_conversions()
    {
        Convert<Width512, Vector512<ushort>, Vector512<float>, Vector512<double>>();
        Convert<Width256, Vector256<ushort>, Vector256<float>, Vector256<double>>();
    }

    private static void Convert<TWidth, TUShorts, TFloats, TDoubles>()
        where TWidth : IVectorMemory<TUShorts, ushort>, IVectorArithmetic<TFloats, float>, IVectorArithmetic<TDoubles, double>,
            IVectorWidening<TUShorts, TFloats>, IVectorWidening<TFloats, TDoubles>, IVectorNarrowing<TDoubles, TFloats>
        where TUShorts : struct
        where TFloats : struct
        where TDoubles : struct
    {
        int lanes = Unsafe.SizeOf<TUShorts>() / sizeof(ushort);
        var random = new Random(7);
        var raw = Enumerable.Range(0, lanes).Select(i => i < 2 ? (ushort)(i * ushort.MaxValue) : (ushort)random.Next(ushort.MaxValue + 1)).ToArray();
        var copy = new ushort[lanes];
        TWidth.StoreUnsafe(TWidth.LoadUnsafe(in raw[0], 0), ref copy[0], 0);
        Assert.Equal(raw, copy);

        var floats = new float[lanes];
        var (low, high) = TWidth.Widen(TWidth.LoadUnsafe(in raw[0], 0));
        TWidth.StoreUnsafe(low, ref floats[0], 0);
        TWidth.StoreUnsafe(high, ref floats[lanes / 2], 0);
        Assert.Equal(raw.Select(u => (float)u), floats);

        var values = Values<float>(lanes, 3);
        var doubles = new double[lanes];
        var (lower, upper) = TWidth.Widen(TWidth.LoadUnsafe(in values[0], 0));
        TWidth.StoreUnsafe(lower, ref doubles[0], 0);
        TWidth.StoreUnsafe(upper, ref doubles[lanes / 4], 0);
        for (int i = 0; i < lanes / 2; i++)
            AssertSameBits((double)values[i], doubles[i], $"{typeof(TWidth).Name} Widen [{i}]");

        // Values that round: a float64 one third, a half-way case and one past float32's range.
        doubles = [.. Enumerable.Range(0, lanes / 2).Select(i => (1.0 + i) / 3 * (i == 1 ? 1e300 : 1) + (i == 2 ? Math.ScaleB(1, -24) : 0))];
        var narrowed = new float[lanes / 2];
        var pair = TWidth.LoadUnsafe(in doubles[0], 0);
        TWidth.StoreUnsafe(TWidth.Narrow(pair, pair), ref narrowed[0], 0);
        for (int i = 0; i < lanes / 4; i++)
            AssertSameBits((float)doubles[i], narrowed[i], $"{typeof(TWidth).Name} Narrow [{i}]");
    }
}
