using System.Runtime.CompilerServices;
using ILGPU;

namespace Engine.Kernels.Segmentation;

/// <summary>
/// Maps floating-point values to unsigned keys whose integer order is the values' numeric order, so a
/// radix select can count digits of keys instead of comparing floats. Shared by the SIMD path and the kernels.
/// A float's key sits in the upper 32 bits of the 64-bit key, so both types walk the same digit positions.
/// </summary>
public static class OrderedKey
{
    /// <summary>The key of every NaN, above +∞: NaNs sort last, as numpy's partition puts them.</summary>
    public const ulong NaN = ulong.MaxValue;

    /// <summary>The key of <paramref name="value"/>; −0 gets +0's key (numpy treats them as equal).</summary>
    public static ulong FromFloat(float value)
    {
        if (float.IsNaN(value))
            return NaN;
        // −0 == +0, so this turns −0 into +0 and equal values get one key. The lower half of a float's key stays 0.
        ulong bits = (ulong)Interop.FloatAsInt(value == 0f ? 0f : value) << 32;
        return Flip(bits) & 0xFFFF_FFFF_0000_0000ul;
    }

    /// <summary>The key of <paramref name="value"/>; −0 gets +0's key.</summary>
    public static ulong FromDouble(double value)
        => double.IsNaN(value) ? NaN : Flip(Interop.FloatAsInt(value == 0d ? 0d : value));

    /// <summary>Negative values: all bits flipped (larger magnitude sorts lower); positive: the sign bit set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Flip(ulong bits) => bits ^ (ulong)(((long)bits >> 63) | long.MinValue);

    /// <summary>The float whose key is <paramref name="key"/> (the inverse of <see cref="FromFloat"/>).</summary>
    public static float ToFloat(ulong key)
    {
        uint k = (uint)(key >> 32);
        uint bits = (k & 0x8000_0000u) != 0 ? k & 0x7FFF_FFFFu : ~k;
        return Interop.IntAsFloat(bits);
    }

    /// <summary>The double whose key is <paramref name="key"/> (the inverse of <see cref="FromDouble"/>).</summary>
    public static double ToDouble(ulong key)
    {
        ulong bits = (key & 0x8000_0000_0000_0000ul) != 0 ? key & 0x7FFF_FFFF_FFFF_FFFFul : ~key;
        return Interop.IntAsFloat(bits);
    }
}
