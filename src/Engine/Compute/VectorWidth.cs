using System.Runtime.Intrinsics;

namespace Engine.Compute;

/// <summary>
/// Loads and stores of one SIMD width, so a loop body is written once as a generic method over the width
/// (<see cref="Width512"/> or <see cref="Width256"/>) instead of once per width: .NET's own ISimdVector is internal.
/// The JIT compiles a generic method once per struct argument, so every call below becomes the direct
/// Vector512 or Vector256 instruction. A vector holds <c>Unsafe.SizeOf&lt;TVector&gt;() / sizeof(T)</c>
/// elements, a constant to the JIT.
/// </summary>
internal interface IVectorMemory<TVector, T>
    where TVector : struct
    where T : struct
{
    static abstract TVector LoadUnsafe(ref readonly T source, nuint index);

    static abstract void StoreUnsafe(TVector value, ref T destination, nuint index);
}

/// <summary>Lane-wise float or double arithmetic of one width; each lane rounds as the scalar operation does.</summary>
internal interface IVectorArithmetic<TVector, T> : IVectorMemory<TVector, T>
    where TVector : struct
    where T : struct
{
    static abstract TVector Create(T value);

    static abstract TVector Add(TVector x, TVector y);

    static abstract TVector Subtract(TVector x, TVector y);

    static abstract TVector Multiply(TVector x, TVector y);

    static abstract TVector Divide(TVector x, TVector y);

    static abstract TVector Min(TVector x, TVector y);

    static abstract TVector Max(TVector x, TVector y);

    /// <summary>x·y + z with one rounding.</summary>
    static abstract TVector FusedMultiplyAdd(TVector x, TVector y, TVector z);

    static abstract T Sum(TVector x);

    /// <summary>Every bit set in the lanes where x &gt; y, none elsewhere.</summary>
    static abstract TVector GreaterThan(TVector x, TVector y);

    /// <summary>The bits of x where <paramref name="condition"/>'s are set, of y elsewhere.</summary>
    static abstract TVector ConditionalSelect(TVector condition, TVector x, TVector y);
}

/// <summary>Exact conversion to an element type of twice the size: the lower and the upper half of a vector.</summary>
internal interface IVectorWidening<TNarrow, TWide>
    where TNarrow : struct
    where TWide : struct
{
    static abstract (TWide Lower, TWide Upper) Widen(TNarrow x);
}

/// <summary>Conversion to an element type of half the size, rounding each lane once: two vectors into one.</summary>
internal interface IVectorNarrowing<TWide, TNarrow>
    where TWide : struct
    where TNarrow : struct
{
    static abstract TNarrow Narrow(TWide lower, TWide upper);
}

/// <summary>The operations of <see cref="IVectorMemory{TVector, T}"/> and its kin on Vector512.</summary>
internal readonly struct Width512 :
    IVectorMemory<Vector512<ushort>, ushort>,
    IVectorArithmetic<Vector512<float>, float>,
    IVectorArithmetic<Vector512<double>, double>,
    IVectorWidening<Vector512<ushort>, Vector512<float>>,
    IVectorWidening<Vector512<float>, Vector512<double>>,
    IVectorNarrowing<Vector512<double>, Vector512<float>>
{
    public static Vector512<float> Create(float value) => Vector512.Create(value);

    public static Vector512<double> Create(double value) => Vector512.Create(value);

    public static Vector512<ushort> LoadUnsafe(ref readonly ushort source, nuint index) => Vector512.LoadUnsafe(in source, index);

    public static Vector512<float> LoadUnsafe(ref readonly float source, nuint index) => Vector512.LoadUnsafe(in source, index);

    public static Vector512<double> LoadUnsafe(ref readonly double source, nuint index) => Vector512.LoadUnsafe(in source, index);

    public static void StoreUnsafe(Vector512<ushort> value, ref ushort destination, nuint index) => value.StoreUnsafe(ref destination, index);

    public static void StoreUnsafe(Vector512<float> value, ref float destination, nuint index) => value.StoreUnsafe(ref destination, index);

    public static void StoreUnsafe(Vector512<double> value, ref double destination, nuint index) => value.StoreUnsafe(ref destination, index);

    public static Vector512<float> Add(Vector512<float> x, Vector512<float> y) => x + y;

    public static Vector512<double> Add(Vector512<double> x, Vector512<double> y) => x + y;

    public static Vector512<float> Subtract(Vector512<float> x, Vector512<float> y) => x - y;

    public static Vector512<double> Subtract(Vector512<double> x, Vector512<double> y) => x - y;

    public static Vector512<float> Multiply(Vector512<float> x, Vector512<float> y) => x * y;

    public static Vector512<double> Multiply(Vector512<double> x, Vector512<double> y) => x * y;

    public static Vector512<float> Divide(Vector512<float> x, Vector512<float> y) => x / y;

    public static Vector512<double> Divide(Vector512<double> x, Vector512<double> y) => x / y;

    public static Vector512<float> Min(Vector512<float> x, Vector512<float> y) => Vector512.Min(x, y);

    public static Vector512<double> Min(Vector512<double> x, Vector512<double> y) => Vector512.Min(x, y);

    public static Vector512<float> Max(Vector512<float> x, Vector512<float> y) => Vector512.Max(x, y);

    public static Vector512<double> Max(Vector512<double> x, Vector512<double> y) => Vector512.Max(x, y);

    public static Vector512<float> FusedMultiplyAdd(Vector512<float> x, Vector512<float> y, Vector512<float> z) => Vector512.FusedMultiplyAdd(x, y, z);

    public static Vector512<double> FusedMultiplyAdd(Vector512<double> x, Vector512<double> y, Vector512<double> z) => Vector512.FusedMultiplyAdd(x, y, z);

    public static float Sum(Vector512<float> x) => Vector512.Sum(x);

    public static double Sum(Vector512<double> x) => Vector512.Sum(x);

    public static Vector512<float> GreaterThan(Vector512<float> x, Vector512<float> y) => Vector512.GreaterThan(x, y);

    public static Vector512<double> GreaterThan(Vector512<double> x, Vector512<double> y) => Vector512.GreaterThan(x, y);

    public static Vector512<float> ConditionalSelect(Vector512<float> condition, Vector512<float> x, Vector512<float> y)
        => Vector512.ConditionalSelect(condition, x, y);

    public static Vector512<double> ConditionalSelect(Vector512<double> condition, Vector512<double> x, Vector512<double> y)
        => Vector512.ConditionalSelect(condition, x, y);

    public static (Vector512<float> Lower, Vector512<float> Upper) Widen(Vector512<ushort> x)
    {
        var (lower, upper) = Vector512.Widen(x);
        return (Vector512.ConvertToSingle(lower), Vector512.ConvertToSingle(upper));
    }

    public static (Vector512<double> Lower, Vector512<double> Upper) Widen(Vector512<float> x) => Vector512.Widen(x);

    public static Vector512<float> Narrow(Vector512<double> lower, Vector512<double> upper) => Vector512.Narrow(lower, upper);
}

/// <summary>The operations of <see cref="IVectorMemory{TVector, T}"/> and its kin on Vector256.</summary>
internal readonly struct Width256 :
    IVectorMemory<Vector256<ushort>, ushort>,
    IVectorArithmetic<Vector256<float>, float>,
    IVectorArithmetic<Vector256<double>, double>,
    IVectorWidening<Vector256<ushort>, Vector256<float>>,
    IVectorWidening<Vector256<float>, Vector256<double>>,
    IVectorNarrowing<Vector256<double>, Vector256<float>>
{
    public static Vector256<float> Create(float value) => Vector256.Create(value);

    public static Vector256<double> Create(double value) => Vector256.Create(value);

    public static Vector256<ushort> LoadUnsafe(ref readonly ushort source, nuint index) => Vector256.LoadUnsafe(in source, index);

    public static Vector256<float> LoadUnsafe(ref readonly float source, nuint index) => Vector256.LoadUnsafe(in source, index);

    public static Vector256<double> LoadUnsafe(ref readonly double source, nuint index) => Vector256.LoadUnsafe(in source, index);

    public static void StoreUnsafe(Vector256<ushort> value, ref ushort destination, nuint index) => value.StoreUnsafe(ref destination, index);

    public static void StoreUnsafe(Vector256<float> value, ref float destination, nuint index) => value.StoreUnsafe(ref destination, index);

    public static void StoreUnsafe(Vector256<double> value, ref double destination, nuint index) => value.StoreUnsafe(ref destination, index);

    public static Vector256<float> Add(Vector256<float> x, Vector256<float> y) => x + y;

    public static Vector256<double> Add(Vector256<double> x, Vector256<double> y) => x + y;

    public static Vector256<float> Subtract(Vector256<float> x, Vector256<float> y) => x - y;

    public static Vector256<double> Subtract(Vector256<double> x, Vector256<double> y) => x - y;

    public static Vector256<float> Multiply(Vector256<float> x, Vector256<float> y) => x * y;

    public static Vector256<double> Multiply(Vector256<double> x, Vector256<double> y) => x * y;

    public static Vector256<float> Divide(Vector256<float> x, Vector256<float> y) => x / y;

    public static Vector256<double> Divide(Vector256<double> x, Vector256<double> y) => x / y;

    public static Vector256<float> Min(Vector256<float> x, Vector256<float> y) => Vector256.Min(x, y);

    public static Vector256<double> Min(Vector256<double> x, Vector256<double> y) => Vector256.Min(x, y);

    public static Vector256<float> Max(Vector256<float> x, Vector256<float> y) => Vector256.Max(x, y);

    public static Vector256<double> Max(Vector256<double> x, Vector256<double> y) => Vector256.Max(x, y);

    public static Vector256<float> FusedMultiplyAdd(Vector256<float> x, Vector256<float> y, Vector256<float> z) => Vector256.FusedMultiplyAdd(x, y, z);

    public static Vector256<double> FusedMultiplyAdd(Vector256<double> x, Vector256<double> y, Vector256<double> z) => Vector256.FusedMultiplyAdd(x, y, z);

    public static float Sum(Vector256<float> x) => Vector256.Sum(x);

    public static double Sum(Vector256<double> x) => Vector256.Sum(x);

    public static Vector256<float> GreaterThan(Vector256<float> x, Vector256<float> y) => Vector256.GreaterThan(x, y);

    public static Vector256<double> GreaterThan(Vector256<double> x, Vector256<double> y) => Vector256.GreaterThan(x, y);

    public static Vector256<float> ConditionalSelect(Vector256<float> condition, Vector256<float> x, Vector256<float> y)
        => Vector256.ConditionalSelect(condition, x, y);

    public static Vector256<double> ConditionalSelect(Vector256<double> condition, Vector256<double> x, Vector256<double> y)
        => Vector256.ConditionalSelect(condition, x, y);

    public static (Vector256<float> Lower, Vector256<float> Upper) Widen(Vector256<ushort> x)
    {
        var (lower, upper) = Vector256.Widen(x);
        return (Vector256.ConvertToSingle(lower), Vector256.ConvertToSingle(upper));
    }

    public static (Vector256<double> Lower, Vector256<double> Upper) Widen(Vector256<float> x) => Vector256.Widen(x);

    public static Vector256<float> Narrow(Vector256<double> lower, Vector256<double> upper) => Vector256.Narrow(lower, upper);
}
