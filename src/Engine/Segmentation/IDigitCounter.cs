
namespace Engine.Segmentation;

/// <summary>
/// Counts one digit of the ordered keys of the selected values, for <see cref="RadixSelect"/>: the SIMD path
/// (<see cref="SimdDigitCounter{T}"/>, a 16-bit top digit) and the ILGPU kernel (<c>Quantile.KernelDigitCounter</c>,
/// 8-bit digits) implement it.
/// </summary>
internal interface IDigitCounter
{
    /// <summary>Bits of the top digit, the one counted over every selected key.</summary>
    int TopDigitBits { get; }

    /// <summary>Bits of the next digit, given how many prefixes it refines and how many key bits are unknown.</summary>
    int NextDigitBits(int prefixCount, int remainingBits);

    /// <summary>The most prefixes one <see cref="Count"/> pass takes.</summary>
    int MaxPrefixes { get; }

    /// <summary>
    /// Fills <c>counts[p · 2^digitBits + digit]</c> with the number of selected keys whose <paramref name="digitBits"/>-bit
    /// digit at <paramref name="shift"/> is <c>digit</c> and whose higher bits equal <c>prefixes[p]</c>. With no
    /// prefixes (the top digit), every selected key counts in one histogram, and the return value is the
    /// number of NaNs among them (otherwise 0).
    /// </summary>
    long Count(int shift, int digitBits, ReadOnlySpan<ulong> prefixes, Span<long> counts);
}
