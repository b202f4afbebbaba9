using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Engine.Compute;
using Engine.Kernels.Segmentation;

namespace Engine.Segmentation;

/// <summary>The vector form of <see cref="OrderedKey.FromFloat"/>: 32-bit keys of floats, without branches.</summary>
internal static unsafe class OrderedKeySimd
{
    /// <summary>
    /// The top 16 bits of the keys of 16 floats; where <paramref name="mask"/> (if not null) is 0, <paramref name="spare"/>
    /// instead, so a histogram loop needs no branch for masked-out values (a random mask would mispredict it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TopBins16(float* source, byte* mask, uint spare, uint* bins)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            var top = Vector512.ShiftRightLogical(default(Key).Invoke(Vector512.Load(source)), 16);
            if (mask is not null)
            {
                var selected = Vector512.WidenLower(Vector512.WidenLower(Vector128.Load(mask).ToVector256Unsafe().ToVector512Unsafe()));
                top = Vector512.ConditionalSelect(Vector512.Equals(selected, Vector512<uint>.Zero), Vector512.Create(spare), top);
            }
            top.Store(bins);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (int half = 0; half < 16; half += 8)
            {
                var top = Vector256.ShiftRightLogical(default(Key).Invoke(Vector256.Load(source + half)), 16);
                if (mask is not null)
                {
                    var selected = Vector256.WidenLower(Vector256.WidenLower(Vector128.CreateScalarUnsafe(*(ulong*)(mask + half)).AsByte().ToVector256Unsafe()));
                    top = Vector256.ConditionalSelect(Vector256.Equals(selected, Vector256<uint>.Zero), Vector256.Create(spare), top);
                }
                top.Store(bins + half);
            }
        }
        else
        {
            for (int j = 0; j < 16; j++)
                bins[j] = mask is null || mask[j] != 0 ? default(Key).Invoke(source[j]) >> 16 : spare;
        }
    }

    /// <summary>The 32-bit keys of 16 floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Keys16(float* source, uint* keys)
        => ElementWise.Unary(default(Key), new ReadOnlySpan<float>(source, 16), new Span<uint>(keys, 16));

    /// <summary>
    /// The 32-bit key of a float, <see cref="OrderedKey.FromFloat"/>'s upper half; the vector forms without branches
    /// (NaN → all ones, −0 → +0's key).
    /// </summary>
    public readonly struct Key : ElementWise.IUnaryOperator<float, uint>
    {
        public uint Invoke(float x) => (uint)(OrderedKey.FromFloat(x) >> 32);

        public Vector256<uint> Invoke(Vector256<float> x)
        {
            var bits = Vector256.AndNot(x.AsUInt32(), Vector256.Equals(x, Vector256<float>.Zero).AsUInt32());
            var flip = Vector256.ShiftRightArithmetic(bits.AsInt32(), 31).AsUInt32() | Vector256.Create(0x8000_0000u);
            return (bits ^ flip) | ~Vector256.Equals(x, x).AsUInt32();
        }

        public Vector512<uint> Invoke(Vector512<float> x)
        {
            var bits = Vector512.AndNot(x.AsUInt32(), Vector512.Equals(x, Vector512<float>.Zero).AsUInt32());
            var flip = Vector512.ShiftRightArithmetic(bits.AsInt32(), 31).AsUInt32() | Vector512.Create(0x8000_0000u);
            return (bits ^ flip) | ~Vector512.Equals(x, x).AsUInt32();
        }
    }
}
