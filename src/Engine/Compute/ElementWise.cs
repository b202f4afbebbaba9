using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Engine.Compute;

/// <summary>
/// The one element-wise loop of the SIMD paths, as System.Numerics.Tensors' TensorPrimitives writes it: an operation
/// is a small struct with a scalar, a Vector256 and a Vector512 form, and the loop runs the Vector512 form while 16
/// elements remain, then the Vector256 form while 8 do (rows of 8 pixels are common), then the scalar form on the
/// tail. Element i of the output depends only on element i of the inputs, so an output may be one of the inputs.
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

    /// <summary>An operation on two inputs, e.g. x + y.</summary>
    public interface IBinaryOperator
    {
        float Invoke(float x, float y);
        Vector256<float> Invoke(Vector256<float> x, Vector256<float> y);
        Vector512<float> Invoke(Vector512<float> x, Vector512<float> y);
    }

    /// <summary>An operation on three inputs, e.g. x + y·z.</summary>
    public interface ITernaryOperator
    {
        float Invoke(float x, float y, float z);
        Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> z);
        Vector512<float> Invoke(Vector512<float> x, Vector512<float> y, Vector512<float> z);
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
        {
            for (; i <= n - 16; i += 16)
            {
                op.Invoke(Vector512.LoadUnsafe(ref xr, (nuint)i), Vector512.LoadUnsafe(ref yr, (nuint)i), Vector512.LoadUnsafe(ref zr, (nuint)i))
                    .StoreUnsafe(ref dr, (nuint)i);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - 8; i += 8)
            {
                op.Invoke(Vector256.LoadUnsafe(ref xr, (nuint)i), Vector256.LoadUnsafe(ref yr, (nuint)i), Vector256.LoadUnsafe(ref zr, (nuint)i))
                    .StoreUnsafe(ref dr, (nuint)i);
            }
        }
        for (; i < n; i++)
            Unsafe.Add(ref dr, i) = op.Invoke(Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i), Unsafe.Add(ref zr, i));
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
        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y) => x + y;
        public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y) => x + y;
    }

    /// <summary>x + y·z with two roundings, as numpy's acc += w * p: a fused multiply-add would change the bits.</summary>
    public readonly struct AddProduct : ITernaryOperator
    {
        public float Invoke(float x, float y, float z) => x + y * z;
        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> z) => x + y * z;
        public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y, Vector512<float> z) => x + y * z;
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
        public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> z) => op.Invoke(x, y);
        public Vector512<float> Invoke(Vector512<float> x, Vector512<float> y, Vector512<float> z) => op.Invoke(x, y);
    }

    private static void ThrowLengths() => throw new ArgumentException("The spans of an element-wise operation differ in length.");
}
