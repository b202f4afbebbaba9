using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
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
            var top = Vector512.ShiftRightLogical(Key(Vector512.Load(source)), 16);
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
                var top = Vector256.ShiftRightLogical(Key(Vector256.Load(source + half)), 16);
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
                bins[j] = mask is null || mask[j] != 0 ? (uint)(OrderedKey.FromFloat(source[j]) >> 48) : spare;
        }
    }

    /// <summary>The 32-bit keys of 16 floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Keys16(float* source, uint* keys)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Key(Vector512.Load(source)).Store(keys);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Key(Vector256.Load(source)).Store(keys);
            Key(Vector256.Load(source + 8)).Store(keys + 8);
        }
        else
        {
            for (int j = 0; j < 16; j++)
                keys[j] = (uint)(OrderedKey.FromFloat(source[j]) >> 32);
        }
    }

    /// <summary>The 32-bit keys of 16 floats: <see cref="OrderedKey.FromFloat"/> without branches.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<uint> Key(Vector512<float> v)
    {
        var bits = Vector512.AndNot(v.AsUInt32(), Vector512.Equals(v, Vector512<float>.Zero).AsUInt32());
        var flip = Vector512.ShiftRightArithmetic(bits.AsInt32(), 31).AsUInt32() | Vector512.Create(0x8000_0000u);
        return (bits ^ flip) | ~Vector512.Equals(v, v).AsUInt32();
    }

    /// <summary>The 32-bit keys of 8 floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<uint> Key(Vector256<float> v)
    {
        var bits = Vector256.AndNot(v.AsUInt32(), Vector256.Equals(v, Vector256<float>.Zero).AsUInt32());
        var flip = Vector256.ShiftRightArithmetic(bits.AsInt32(), 31).AsUInt32() | Vector256.Create(0x8000_0000u);
        return (bits ^ flip) | ~Vector256.Equals(v, v).AsUInt32();
    }
}
