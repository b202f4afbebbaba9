using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Engine.Compute;

/// <summary>
/// The one element-wise loop of the SIMD paths, as System.Numerics.Tensors' TensorPrimitives writes it: an operation
/// is a small struct with a scalar and a vector form, and the loop runs the vector form at 512 bits while 16 elements
/// remain, then at 256 bits while 8 do (rows of 8 pixels are common), then the scalar form on the tail. Arithmetic
/// operations write their vector form once, generic over <see cref="Width512"/> and <see cref="Width256"/>; the
/// bitwise ones (ordered keys, NaN tests) a Vector512 and a Vector256 form. Element i of the output depends only on
/// element i of the inputs, so an output may be one of the inputs.
/// </summary>
internal static class ElementWise
{
    /// <summary>An operation on one input, e.g. a float's ordered key.</summary>
    public interface IUnaryOperator<TIn, TOut>
        where TIn : struct
        where TOut : struct
    {
        TOut Invoke(TIn x);
        Vector256<TOut> Invoke(Vector256<TIn> x);
        Vector512<TOut> Invoke(Vector512<TIn> x);
    }

    /// <summary>An operation on two inputs, e.g. x + y; its vector form is written once for both widths.</summary>
    public interface IBinaryOperator
    {
        float Invoke(float x, float y);

        TFloats Invoke<TWidth, TFloats>(TFloats x, TFloats y)
            where TWidth : IVectorArithmetic<TFloats, float>
            where TFloats : struct;
    }

    /// <summary>An operation on three inputs, e.g. x + y·z; its vector form is written once for both widths.</summary>
    public interface ITernaryOperator
    {
        float Invoke(float x, float y, float z);

        TFloats Invoke<TWidth, TFloats>(TFloats x, TFloats y, TFloats z)
            where TWidth : IVectorArithmetic<TFloats, float>
            where TFloats : struct;
    }

    /// <summary>A test of one value; the vector forms set every bit of the lanes where it holds.</summary>
    public interface IPredicate<T>
        where T : struct
    {
        bool Invoke(T x);
        Vector256<T> Invoke(Vector256<T> x);
        Vector512<T> Invoke(Vector512<T> x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Unary<TOperator, TIn, TOut>(TOperator op, ReadOnlySpan<TIn> x, Span<TOut> destination)
        where TOperator : struct, IUnaryOperator<TIn, TOut>
        where TIn : struct
        where TOut : struct
    {
        // One lane count for input and output: the operations map 32-bit values to 32-bit values.
        if (Unsafe.SizeOf<TIn>() != Unsafe.SizeOf<TOut>() || x.Length != destination.Length)
            ThrowLengths();
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var dr = ref MemoryMarshal.GetReference(destination);
        int i = 0, n = destination.Length;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - Vector512<TIn>.Count; i += Vector512<TIn>.Count)
                op.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<TIn>.Count; i += Vector256<TIn>.Count)
                op.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i)).StoreUnsafe(ref dr, (nuint)i);
        }
        for (; i < n; i++)
            Unsafe.Add(ref dr, i) = op.Invoke(Unsafe.Add(ref xr, i));
    }

    /// <summary>The ternary loop with a third input that the operation ignores (the same span as the second, so its loads are the second's).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Binary<TOperator>(TOperator op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> destination)
        where TOperator : struct, IBinaryOperator
        => Ternary(new IgnoringThird<TOperator>(op), x, y, y, destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Ternary<TOperator>(TOperator op, ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> z, Span<float> destination)
        where TOperator : struct, ITernaryOperator
    {
        if (x.Length != destination.Length || y.Length != destination.Length || z.Length != destination.Length)
            ThrowLengths();
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref float zr = ref MemoryMarshal.GetReference(z);
        ref float dr = ref MemoryMarshal.GetReference(destination);
        int i = 0, n = destination.Length;
        if (Vector512.IsHardwareAccelerated)
            i = TernaryVectors<TOperator, Width512, Vector512<float>>(op, ref xr, ref yr, ref zr, ref dr, i, n);
        if (Vector256.IsHardwareAccelerated)
            i = TernaryVectors<TOperator, Width256, Vector256<float>>(op, ref xr, ref yr, ref zr, ref dr, i, n);
        for (; i < n; i++)
            Unsafe.Add(ref dr, i) = op.Invoke(Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i), Unsafe.Add(ref zr, i));
    }

    /// <summary>The whole vectors of one width from <paramref name="i"/> on; returns where they end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int TernaryVectors<TOperator, TWidth, TFloats>(TOperator op, ref float xr, ref float yr, ref float zr, ref float dr, int i, int n)
        where TOperator : struct, ITernaryOperator
        where TWidth : IVectorArithmetic<TFloats, float>
        where TFloats : struct
    {
        int width = Unsafe.SizeOf<TFloats>() / sizeof(float);
        for (; i <= n - width; i += width)
        {
            var result = op.Invoke<TWidth, TFloats>(TWidth.LoadUnsafe(in xr, (nuint)i), TWidth.LoadUnsafe(in yr, (nuint)i), TWidth.LoadUnsafe(in zr, (nuint)i));
            TWidth.StoreUnsafe(result, ref dr, (nuint)i);
        }
        return i;
    }

    /// <summary>The index of the first value for which <paramref name="predicate"/> holds, or −1.</summary>
    public static int IndexOfFirst<TPredicate, T>(TPredicate predicate, ReadOnlySpan<T> values)
        where TPredicate : struct, IPredicate<T>
        where T : struct
    {
        ref var vr = ref MemoryMarshal.GetReference(values);
        int i = 0, n = values.Length;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var hits = predicate.Invoke(Vector512.LoadUnsafe(ref vr, (nuint)i));
                if (hits != Vector512<T>.Zero)
                    return i + BitOperations.TrailingZeroCount(hits.ExtractMostSignificantBits());
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var hits = predicate.Invoke(Vector256.LoadUnsafe(ref vr, (nuint)i));
                if (hits != Vector256<T>.Zero)
                    return i + BitOperations.TrailingZeroCount(hits.ExtractMostSignificantBits());
            }
        }
        for (; i < n; i++)
        {
            if (predicate.Invoke(Unsafe.Add(ref vr, i)))
                return i;
        }
        return -1;
    }

    /// <summary>The index of the first NaN, or −1.</summary>
    public static int IndexOfNaN<T>(ReadOnlySpan<T> values)
        where T : struct, IFloatingPointIeee754<T>
        => IndexOfFirst(default(IsNaN<T>), values);

    public readonly struct Add : IBinaryOperator
    {
        public float Invoke(float x, float y) => x + y;

        public TFloats Invoke<TWidth, TFloats>(TFloats x, TFloats y)
            where TWidth : IVectorArithmetic<TFloats, float>
            where TFloats : struct
            => TWidth.Add(x, y);
    }

    /// <summary>x + y·z with two roundings, as numpy's acc += w * p: a fused multiply-add would change the bits.</summary>
    public readonly struct AddProduct : ITernaryOperator
    {
        public float Invoke(float x, float y, float z) => x + y * z;

        public TFloats Invoke<TWidth, TFloats>(TFloats x, TFloats y, TFloats z)
            where TWidth : IVectorArithmetic<TFloats, float>
            where TFloats : struct
            => TWidth.Add(x, TWidth.Multiply(y, z));
    }

    public readonly struct IsNaN<T> : IPredicate<T>
        where T : struct, IFloatingPointIeee754<T>
    {
        public bool Invoke(T x) => T.IsNaN(x);
        public Vector256<T> Invoke(Vector256<T> x) => Vector256.IsNaN(x);
        public Vector512<T> Invoke(Vector512<T> x) => Vector512.IsNaN(x);
    }

    private readonly struct IgnoringThird<TOperator>(TOperator op) : ITernaryOperator
        where TOperator : struct, IBinaryOperator
    {
        public float Invoke(float x, float y, float z) => op.Invoke(x, y);

        public TFloats Invoke<TWidth, TFloats>(TFloats x, TFloats y, TFloats z)
            where TWidth : IVectorArithmetic<TFloats, float>
            where TFloats : struct
            => op.Invoke<TWidth, TFloats>(x, y);
    }

    private static void ThrowLengths() => throw new ArgumentException("The spans of an element-wise operation differ in length.");
}
