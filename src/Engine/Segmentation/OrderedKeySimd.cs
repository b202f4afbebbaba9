using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Engine.Kernels.Segmentation;

namespace Engine.Segmentation;

/// <summary>The vector form of <see cref="OrderedKey.FromFloat"/>: 32-bit keys of floats, without branches.</summary>
internal static unsafe class OrderedKeySimd
{
    /// <summary>The top 16 bits of the keys of 16 floats (the vector form of <see cref="OrderedKey.FromFloat"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TopBins16(float* source, uint* bins)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512.ShiftRightLogical(Key(Vector512.Load(source)), 16).Store(bins);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256.ShiftRightLogical(Key(Vector256.Load(source)), 16).Store(bins);
            Vector256.ShiftRightLogical(Key(Vector256.Load(source + 8)), 16).Store(bins + 8);
        }
        else
        {
            for (int j = 0; j < 16; j++)
                bins[j] = (uint)(OrderedKey.FromFloat(source[j]) >> 48);
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
