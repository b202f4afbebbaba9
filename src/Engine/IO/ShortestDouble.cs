using System.Numerics;
using System.Runtime.CompilerServices;

namespace Engine.IO;

/// <summary>
/// The shortest round-trip UTF-8 text of a finite double, byte for byte what
/// <see cref="System.Text.Json.Utf8JsonWriter.WriteNumberValue(double)"/> writes (and <c>double.ToString()</c>):
/// the fewest significant digits that parse back to the same double, the closest of them to it (ties to an even
/// last digit); plain notation for decimal exponents from -4 to 16 (<c>0.0001</c>, <c>10000000000000000</c>),
/// otherwise <c>d.dddE+XX</c> with a sign and at least two exponent digits (<c>1E-05</c>, <c>1.5E+300</c>);
/// <c>-0</c> for negative zero.
/// </summary>
/// <remarks>
/// The digits come from Schubfach (Raffaello Giulietti, "The Schubfach way to render doubles", 2020): one
/// multiplication of the significand and of its two rounding-interval bounds by a 126-bit approximation of a power
/// of ten, rounded to odd so that comparisons with multiples of 4 stay exact, then a choice among at most four
/// candidates — no loop over digits and no big integers, about twice as fast as .NET's formatting, whose digits
/// it reproduces (the tests compare them on about 1.4 million doubles). Java's Schubfach also widens tiny
/// subnormals to print two digits; .NET prints <c>5E-324</c>, so that step is left out. The methods are compiled
/// optimized at their first call: a process writes its file once, and tier-0 code formatted it 5× slower.
/// </remarks>
public static class ShortestDouble
{
    /// <summary>The longest text: <c>-1.2345678901234567E-308</c>.</summary>
    public const int MaxLength = 24;

    private const int SignificandBits = 52;
    private const ulong HiddenBit = 1UL << SignificandBits;
    private const int MinExponent = -1074;

    /// <summary>Powers of ten 10^e for e in [<see cref="MinPower"/>, 324], the range the exponents of doubles need.</summary>
    private const int MinPower = -292;
    private const int MaxPower = 324;

    // g(e) = ⌊10^e · 2^-r⌋ + 1 with r = ⌊e·log2(10)⌋ - 125, so 2^125 ≤ g < 2^126: the paper's over-approximation,
    // split into its high and low 64 bits, side by side. Built once from exact integers (no explicit static
    // constructor, so that the JIT inlines the helpers that read the table).
    private static readonly ulong[] Powers = PowerTable();

    private static ulong[] PowerTable()
    {
        var table = new ulong[2 * (MaxPower - MinPower + 1)];
        for (int e = MinPower; e <= MaxPower; e++)
        {
            int r = FloorLog2Pow10(e) - 125;
            BigInteger g = e >= 0
                ? (r >= 0 ? BigInteger.Pow(10, e) >> r : BigInteger.Pow(10, e) << -r)
                : (BigInteger.One << -r) / BigInteger.Pow(10, -e);
            g += 1;
            table[2 * (e - MinPower)] = (ulong)(g >> 64);
            table[2 * (e - MinPower) + 1] = (ulong)(g & ulong.MaxValue);
        }
        return table;
    }

    /// <summary>"00" to "99", two bytes a pair: digits are written two at a time.</summary>
    private static ReadOnlySpan<byte> DigitPairs =>
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"u8;

    /// <summary>Writes <paramref name="value"/>'s shortest round-trip text.</summary>
    /// <param name="value">A finite double.</param>
    /// <param name="destination">At least <see cref="MaxLength"/> bytes, or as many as the text needs.</param>
    /// <returns>The bytes written.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN or infinite (JSON has no text for them).</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short for the text.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Format(double value, Span<byte> destination)
    {
        if (!double.IsFinite(value))
            throw new ArgumentOutOfRangeException(nameof(value), value, "Only finite doubles have a JSON number text.");
        if (destination.Length < MaxLength)
            return FormatThroughScratch(value, destination);
        ulong bits = BitConverter.DoubleToUInt64Bits(value);
        int at = 0;
        if ((long)bits < 0)
            destination[at++] = (byte)'-';
        ulong fraction = bits & (HiddenBit - 1);
        int biased = (int)(bits >> SignificandBits) & 0x7FF;
        if (biased == 0 && fraction == 0)
        {
            destination[at] = (byte)'0';
            return at + 1;
        }
        var (digits, exponent) = biased == 0
            ? Decimal(fraction, MinExponent)
            : Decimal(HiddenBit | fraction, biased - 1075);
        return at + Write(digits, exponent, destination[at..]);
    }

    /// <summary>Formats into a scratch buffer and copies, for a destination shorter than the longest text.</summary>
    private static int FormatThroughScratch(double value, Span<byte> destination)
    {
        Span<byte> scratch = stackalloc byte[MaxLength];
        int length = Format(value, scratch);
        if (length > destination.Length)
            throw new ArgumentException($"The text of {value} takes {length} bytes; the destination holds {destination.Length}.", nameof(destination));
        scratch[..length].CopyTo(destination);
        return length;
    }

    /// <summary>The shortest decimal digits × 10^exponent in the rounding interval of c·2^q (Schubfach).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (ulong Digits, int Exponent) Decimal(ulong c, int q)
    {
        // Integers below 2^53 are their own shortest digits (neighbours are at most 1 apart): skip the search.
        if (q < 0 && q > -SignificandBits - 1)
        {
            ulong integer = c >> -q;
            if (integer << -q == c)
                return (integer, 0);
        }
        // Bounds are included when c is even: a decimal exactly halfway to a neighbour parses (ties to even) to c.
        ulong outside = c & 1;
        ulong cb = c << 2;
        ulong cbRight = cb + 2;
        ulong cbLeft;
        int k;
        if (c != HiddenBit || q == MinExponent || q is -1010 or -77)
        {
            cbLeft = cb - 2;
            k = FloorLog10Pow2(q);
        }
        else
        {
            // The lower neighbour of a power of two is half as far away as the upper one. .NET's formatting takes
            // the interval as symmetric for 2^-25 and 2^-958 alone (its digits for them parse to the neighbour
            // below); they are kept symmetric above to write the same bytes. The tests compare every power of two.
            cbLeft = cb - 1;
            k = FloorLog10ThreeQuartersPow2(q);
        }
        int h = q + FloorLog2Pow10(-k) + 2;
        ulong gHigh = Powers[2 * (-k - MinPower)];
        ulong gLow = Powers[2 * (-k - MinPower) + 1];
        ulong vb = RoundToOdd(gHigh, gLow, cb << h);
        ulong vbLeft = RoundToOdd(gHigh, gLow, cbLeft << h) + outside;
        ulong vbRight = RoundToOdd(gHigh, gLow, cbRight << h) - outside;

        // vb ≈ 4·v·10^-k; the interval holds at most one multiple of 10 (one digit shorter) ...
        ulong s = vb >> 2;
        ulong shorter = s / 10 * 10;
        ulong shorterUp = shorter + 10;
        bool shorterIn = vbLeft <= shorter << 2;
        bool shorterUpIn = shorterUp << 2 <= vbRight;
        if (shorterIn != shorterUpIn)
            return (shorterIn ? shorter : shorterUp, k);
        // ... else one of s and s + 1, the closer (ties to even) when both are in.
        ulong t = s + 1;
        bool sIn = vbLeft <= s << 2;
        bool tIn = t << 2 <= vbRight;
        if (sIn != tIn)
            return (sIn ? s : t, k);
        long fromMiddle = (long)(vb - ((s + t) << 1));
        return (fromMiddle < 0 || (fromMiddle == 0 && (s & 1) == 0) ? s : t, k);
    }

    /// <summary>⌊g·cp / 2^127⌋ with its lowest bit set when bits 64 to 126 of g·cp are not all zero (rounding to odd).</summary>
    /// <remarks>
    /// g exceeds 10^e·2^-r by less than 1, so g·cp exceeds the exact product by less than cp &lt; 2^64: the bits below
    /// 2^64 are that excess and are left out, so an exact product (a tie, or a decimal on a bound) is seen as exact.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong RoundToOdd(ulong gHigh, ulong gLow, ulong cp)
    {
        ulong lowHigh = Math.BigMul(gLow, cp, out _);
        ulong highHigh = Math.BigMul(gHigh, cp, out ulong highLow);
        ulong middle = highLow + lowHigh;
        ulong top = highHigh + (middle < highLow ? 1UL : 0UL);
        ulong quotient = (top << 1) | (middle >> 63);
        return quotient | (middle << 1 != 0 ? 1UL : 0UL);
    }

    // ⌊q·log10(2)⌋, ⌊log10(3/4·2^q)⌋ and ⌊e·log2(10)⌋ by a multiply and a shift, exact over the exponents of doubles
    // (the constants are the paper's; the tests check them against exact arithmetic).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int FloorLog10Pow2(int q) => (int)((q * 661_971_961_083L) >> 41);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int FloorLog10ThreeQuartersPow2(int q) => (int)((q * 661_971_961_083L - 274_743_187_321L) >> 41);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int FloorLog2Pow10(int e) => (int)((e * 913_124_641_741L) >> 38);

    /// <summary>Writes digits·10^exponent as .NET's general format does: plain for a point position (scale) in [-3, 17].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Write(ulong digits, int exponent, Span<byte> destination)
    {
        // Shorter digits come with up to 16 trailing zeros (0.123456 as 12345600000000000 × 10^-17): dropped 8, 4,
        // 2 and 1 at a time.
        while (TryDivideByPowerOf10(ref digits, 8, InverseOf5Pow8, ulong.MaxValue / 100_000_000))
            exponent += 8;
        if (TryDivideByPowerOf10(ref digits, 4, InverseOf5Pow4, ulong.MaxValue / 10_000))
            exponent += 4;
        if (TryDivideByPowerOf10(ref digits, 2, InverseOf5Pow2, ulong.MaxValue / 100))
            exponent += 2;
        if (TryDivideByPowerOf10(ref digits, 1, InverseOf5, ulong.MaxValue / 10))
            exponent++;
        int count = CountDigits(digits);
        // The value is 0.d1d2…dn × 10^scale.
        int scale = count + exponent;
        if (scale > 17 || scale < -3)
        {
            // d1 lands where the point goes and moves in front of it.
            WriteDigits(digits, destination[1..], count);
            destination[0] = destination[1];
            int at = 1;
            if (count > 1)
            {
                destination[1] = (byte)'.';
                at = count + 1;
            }
            int power = scale - 1;
            destination[at++] = (byte)'E';
            destination[at++] = power < 0 ? (byte)'-' : (byte)'+';
            power = Math.Abs(power);
            if (power >= 100)
            {
                destination[at++] = (byte)('0' + power / 100);
                power %= 100;
            }
            WritePair((uint)power, destination[at..]);
            return at + 2;
        }
        if (scale <= 0)
        {
            destination[0] = (byte)'0';
            destination[1] = (byte)'.';
            if (scale < 0)
                destination.Slice(2, -scale).Fill((byte)'0');
            WriteDigits(digits, destination[(2 - scale)..], count);
            return 2 - scale + count;
        }
        if (scale < count)
        {
            // The digits before the point move one to the left (cheaper than a 64-bit division to split them).
            WriteDigits(digits, destination[1..], count);
            destination.Slice(1, scale).CopyTo(destination);
            destination[scale] = (byte)'.';
            return count + 1;
        }
        WriteDigits(digits, destination, count);
        destination.Slice(count, scale - count).Fill((byte)'0');
        return scale;
    }

    /// <summary>Divides <paramref name="value"/> by 10^<paramref name="tens"/> if it is a multiple of it (Granlund and Montgomery's test, no division).</summary>
    /// <param name="value">The value.</param>
    /// <param name="tens">The power of ten.</param>
    /// <param name="inverse">5^-tens mod 2^64.</param>
    /// <param name="largestQuotient">(2^64 - 1) / 10^tens.</param>
    /// <remarks>
    /// x = value · 5^-tens mod 2^64 is value / 5^tens exactly when 5^tens divides value, and then x ≤ (2^64-1) / 5^tens;
    /// it ends in tens zero bits exactly when 2^tens divides value. Rotated right by tens, the nonzero low bits of a value
    /// that 2^tens does not divide land on top: one comparison with (2^64-1) / 10^tens tests both.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryDivideByPowerOf10(ref ulong value, int tens, ulong inverse, ulong largestQuotient)
    {
        ulong quotient = BitOperations.RotateRight(value * inverse, tens);
        if (quotient > largestQuotient)
            return false;
        value = quotient;
        return true;
    }

    // 5^-k mod 2^64 (the tests multiply them back).
    internal const ulong InverseOf5 = 0xCCCC_CCCC_CCCC_CCCD;
    internal const ulong InverseOf5Pow2 = 0x8F5C_28F5_C28F_5C29;
    internal const ulong InverseOf5Pow4 = 0xD288_CE70_3AFB_7E91;
    internal const ulong InverseOf5Pow8 = 0xC767_074B_22E9_0E21;

    private static ReadOnlySpan<ulong> Powers10 =>
    [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000,
        100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
        10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000, 10_000_000_000_000_000_000,
    ];

    /// <summary>The number of decimal digits of a positive value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CountDigits(ulong value)
    {
        // log10 from log2 (1233/4096 ≈ log10(2)), then one comparison corrects it.
        int estimate = (BitOperations.Log2(value) + 1) * 1233 >> 12;
        return estimate + (value >= Powers10[estimate] ? 1 : 0);
    }

    /// <summary>Writes the last <paramref name="count"/> decimal digits of <paramref name="value"/>, leading zeros included.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteDigits(ulong value, Span<byte> destination, int count)
    {
        // Eight digits at a time in 32-bit arithmetic, which divides faster than 64-bit.
        while (count > 8)
        {
            count -= 8;
            WriteEight((uint)(value % 100_000_000), destination[count..]);
            value /= 100_000_000;
        }
        uint rest = (uint)value;
        for (; count >= 2; count -= 2)
        {
            WritePair(rest % 100, destination[(count - 2)..]);
            rest /= 100;
        }
        if (count == 1)
            destination[0] = (byte)('0' + rest);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteEight(uint value, Span<byte> destination)
    {
        uint high = value / 10_000;
        uint low = value % 10_000;
        WritePair(high / 100, destination);
        WritePair(high % 100, destination[2..]);
        WritePair(low / 100, destination[4..]);
        WritePair(low % 100, destination[6..]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WritePair(uint value, Span<byte> destination)
    {
        destination[0] = DigitPairs[(int)(2 * value)];
        destination[1] = DigitPairs[(int)(2 * value + 1)];
    }
}
