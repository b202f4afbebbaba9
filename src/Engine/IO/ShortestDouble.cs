using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
/// candidates — no loop over digits and no big integers. .NET's formatting gives the same digits (the tests compare
/// them on about 2 million doubles). Java's Schubfach also widens tiny subnormals to print two digits; .NET prints
/// <c>5E-324</c>, so that step is left out. Numbers of at most six decimals (box files' usual form) skip Schubfach
/// for one division that proves their digits shortest. Digits are written 16 at a time on SSE2's lanes (8 in a
/// 64-bit word otherwise) and their trailing zeros counted on the text. The methods are compiled optimized at their
/// first call: a process writes its file once, and tier-0 code formatted it 5× slower.
/// </remarks>
public static partial class ShortestDouble
{
    /// <summary>The longest text: <c>-1.2345678901234567E-308</c>.</summary>
    public const int MaxLength = 24;

    private const int SignificandBits = 52;
    private const ulong HiddenBit = 1UL << SignificandBits;
    private const int MinExponent = -1074;

    /// <summary>Powers of ten 10^e for e in [<see cref="MinPower"/>, 324], the range the exponents of doubles need.</summary>
    internal const int MinPower = -292;
    internal const int MaxPower = 324;

    /// <summary>Writes <paramref name="value"/>'s shortest round-trip text.</summary>
    /// <param name="value">A finite double.</param>
    /// <param name="destination">At least <see cref="MaxLength"/> bytes, or as many as the text needs.</param>
    /// <returns>The bytes written.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN or infinite (JSON has no text for them).</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short for the text.</exception>
    public static int Format(double value, Span<byte> destination)
    {
        if (!double.IsFinite(value))
            throw new ArgumentOutOfRangeException(nameof(value), value, "Only finite doubles have a JSON number text.");
        if (destination.Length < MaxLength)
            return FormatThroughScratch(value, destination);
        return FormatFinite(value, ref MemoryMarshal.GetReference(destination));
    }

    /// <summary>
    /// <see cref="Format(double, Span{byte})"/> without its checks, for a caller that has checked every value is
    /// finite and leaves <see cref="MaxLength"/> bytes at <paramref name="destination"/>: digits are stored eight or
    /// sixteen at a time, so bytes after the text (within those <see cref="MaxLength"/>) may be overwritten.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int FormatFinite(double value, ref byte destination)
    {
        ulong bits = BitConverter.DoubleToUInt64Bits(value);
        // The sign is stored whatever it is; a positive value's text starts on it and overwrites it.
        destination = (byte)'-';
        int at = (int)(bits >> 63);
        ulong fraction = bits & (HiddenBit - 1);
        int biased = (int)(bits >> SignificandBits) & 0x7FF;
        if (biased == 0 && fraction == 0)
        {
            Unsafe.Add(ref destination, at) = (byte)'0';
            return at + 1;
        }
        // A number of at most ShortDecimals decimals (how box files and the boxes NMS keeps are mostly written)
        // is the decimal n·10^-ShortDecimals that parses back to it: one division checks that (n and the power of
        // ten are exact doubles, so the quotient is the parser's), and n's digits are the shortest (see
        // ShortDecimalLimit). Every other number pays that division and goes on to Schubfach.
        double magnitude = Math.Abs(value);
        if (magnitude < ShortDecimalLimit)
        {
            double scaled = Math.Round(magnitude * ShortDecimalScale);
            if (scaled / ShortDecimalScale == magnitude)
                return at + Write((ulong)scaled, -ShortDecimals, ref Unsafe.Add(ref destination, at));
        }
        // c·2^q: a subnormal's significand has no hidden bit. One call site, as Decimal is inlined.
        ulong c = biased == 0 ? fraction : HiddenBit | fraction;
        int q = biased == 0 ? MinExponent : biased - 1075;
        var (digits, exponent) = Decimal(c, q);
        return at + Write(digits, exponent, ref Unsafe.Add(ref destination, at));
    }

    /// <summary>The decimals of the numbers <see cref="FormatFinite"/> takes by one division instead of Schubfach.</summary>
    private const int ShortDecimals = 6;

    /// <summary>10^<see cref="ShortDecimals"/>.</summary>
    private const double ShortDecimalScale = 1e6;

    /// <summary>
    /// Below it, a number's rounding interval (at most one ulp, 2^-24 at 2^28) is narrower than 10^-(ShortDecimals+1),
    /// so it holds one decimal of at most ShortDecimals decimals and none as short with more decimals: if
    /// n·10^-ShortDecimals parses to the number, n's digits (trailing zeros dropped) are its shortest.
    /// </summary>
    private const double ShortDecimalLimit = 1 << 28;

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.AggressiveInlining)]
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
        ref ulong g = ref Unsafe.Add(ref MemoryMarshal.GetReference(Powers), 2 * (-k - MinPower));
        ulong gHigh = g;
        ulong gLow = Unsafe.Add(ref g, 1);
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
        ulong lowHigh = MultiplyHigh(gLow, cp);
        ulong highHigh = MultiplyHigh(gHigh, cp);
        ulong highLow = gHigh * cp;
        ulong middle = highLow + lowHigh;
        ulong top = highHigh + (middle < highLow ? 1UL : 0UL);
        ulong quotient = (top << 1) | (middle >> 63);
        return quotient | (middle << 1 != 0 ? 1UL : 0UL);
    }

    /// <summary>The high 64 bits of a·b, kept in registers (Math.BigMul's low half goes through memory).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MultiplyHigh(ulong a, ulong b) => Bmi2.X64.IsSupported ? Bmi2.X64.MultiplyNoFlags(a, b) : Math.BigMul(a, b, out _);

    // ⌊q·log10(2)⌋, ⌊log10(3/4·2^q)⌋ and ⌊e·log2(10)⌋ by a multiply and a shift, exact over the exponents of doubles
    // (the constants are the paper's; the tests check them against exact arithmetic).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int FloorLog10Pow2(int q) => (int)((q * 661_971_961_083L) >> 41);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int FloorLog10ThreeQuartersPow2(int q) => (int)((q * 661_971_961_083L - 274_743_187_321L) >> 41);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int FloorLog2Pow10(int e) => (int)((e * 913_124_641_741L) >> 38);

    /// <summary>Writes digits·10^exponent as .NET's general format does: plain for a point position (scale) in [-3, 17].</summary>
    /// <remarks>
    /// The digits are written whole, trailing zeros included (0.123456 comes as 12345600000000000 × 10^-17), and
    /// the text ends before those zeros, which are counted on the digits' text: no loop, no division to find them.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.AggressiveInlining)]
    private static int Write(ulong digits, int exponent, ref byte destination)
    {
        int length = CountDigits(digits);
        // The value is 0.d1d2…dn × 10^scale; count is n without the trailing zeros.
        int scale = length + exponent;
        if (scale > 17 || scale < -3)
        {
            // d1 lands where the point goes and moves in front of it.
            int count = WriteDigits(digits, ref Unsafe.Add(ref destination, 1), length);
            destination = Unsafe.Add(ref destination, 1);
            int at = 1;
            if (count > 1)
            {
                Unsafe.Add(ref destination, 1) = (byte)'.';
                at = count + 1;
            }
            int power = scale - 1;
            Unsafe.Add(ref destination, at++) = (byte)'E';
            Unsafe.Add(ref destination, at++) = power < 0 ? (byte)'-' : (byte)'+';
            power = Math.Abs(power);
            if (power >= 100)
            {
                Unsafe.Add(ref destination, at++) = (byte)('0' + power / 100);
                power %= 100;
            }
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, at), (ushort)(EightDigits((uint)power) >> 48));
            return at + 2;
        }
        if (scale <= 0)
        {
            // "0.", then up to three zeros: four bytes of "0000" cover them (and are overwritten by the digits).
            Unsafe.WriteUnaligned(ref destination, (ushort)('0' | '.' << 8));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, 2), 0x3030_3030u);
            return 2 - scale + WriteDigits(digits, ref Unsafe.Add(ref destination, 2 - scale), length);
        }
        if (scale < length)
        {
            int count = WriteDigits(digits, ref Unsafe.Add(ref destination, 1), length);
            if (scale < count)
            {
                // The digits before the point move one to the left (cheaper than a 64-bit division to split them).
                for (int i = 0; i < scale; i++)
                    Unsafe.Add(ref destination, i) = Unsafe.Add(ref destination, i + 1);
                Unsafe.Add(ref destination, scale) = (byte)'.';
                return count + 1;
            }
        }
        // An integer: its digits and as many zeros as its scale asks.
        WriteDigits(digits, ref destination, length);
        for (int i = length; i < scale; i++)
            Unsafe.Add(ref destination, i) = (byte)'0';
        return scale;
    }

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
        return estimate + (value >= Unsafe.Add(ref MemoryMarshal.GetReference(Powers10), estimate) ? 1 : 0);
    }

    /// <summary>
    /// Writes the <paramref name="length"/> (1 to 17) decimal digits of <paramref name="value"/>, eight at a time,
    /// and returns how many come before its trailing zeros.
    /// </summary>
    /// <remarks>An eight-digit store may write past the digits; the text that follows overwrites those bytes.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WriteDigits(ulong value, ref byte destination, int length)
    {
        if (length >= 16)
        {
            // Schubfach's digits, mostly: 16 or 17 of them, the last 16 in one vector.
            // A 17th digit is written first and the sixteen after it; a 16th's place is overwritten by the sixteen.
            ulong first = value / 10_000_000_000_000_000;
            destination = (byte)('0' + first);
            value -= first * 10_000_000_000_000_000;
            destination = ref Unsafe.Add(ref destination, length - 16);
            ulong upper = value / 100_000_000;
            var text = SixteenDigits((uint)upper, (uint)(value - upper * 100_000_000));
            text.StoreUnsafe(ref destination);
            // Bit i is set where digit i is '0'; the trailing zeros are the run of set bits down from bit 15.
            uint zeroDigits = Vector128.Equals(text, Vector128.Create((byte)'0')).ExtractMostSignificantBits();
            return length - BitOperations.LeadingZeroCount(~zeroDigits << 16 | 0x8000);
        }
        ulong high = value / 100_000_000;
        uint low = (uint)(value - high * 100_000_000);
        ulong lowText = EightDigits(low);
        // The last digits are the high bytes of their text: a trailing '0' is a zero byte once '0' is taken away.
        int lowZeros = BitOperations.LeadingZeroCount(lowText ^ AsciiZeros) >> 3;
        if (length <= 8)
        {
            // The leading zeros of the eight digits are their low bytes: shifted out.
            Unsafe.WriteUnaligned(ref destination, lowText >> (8 * (8 - length)));
            return length - lowZeros;
        }
        int highLength = length - 8;
        if (highLength > 8)
        {
            uint first = (uint)(high / 100_000_000);
            destination = (byte)('0' + first);
            high -= first * 100_000_000UL;
            destination = ref Unsafe.Add(ref destination, 1);
            highLength = 8;
        }
        ulong highText = EightDigits((uint)high);
        Unsafe.WriteUnaligned(ref destination, highText >> (8 * (8 - highLength)));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, highLength), lowText);
        int zeros = low != 0 ? lowZeros : 8 + (BitOperations.LeadingZeroCount(highText ^ AsciiZeros) >> 3);
        return length - zeros;
    }

    /// <summary>The sixteen ASCII digits of high·10^8 + low (each below 10^8), the first in element 0.</summary>
    /// <remarks>
    /// <see cref="EightDigits"/>'s divisions, on SSE2's lanes: ÷10^4 by pmuludq (×0xD1B71759 ≫ 45) into four
    /// groups, then ÷100 and ÷10 by pmulhuw (×5243 ≫ 19, exact below 10^4; ×6554 ≫ 16, exact below 100). The vector
    /// unit's multipliers leave the scalar one to Schubfach's.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<byte> SixteenDigits(uint high, uint low)
    {
        if (!Sse2.IsSupported)
            return Vector128.Create(EightDigits(high), EightDigits(low)).AsByte();
        var halves = Vector128.Create((ulong)high, low).AsUInt32();
        var quotients = Sse2.Multiply(halves, Vector128.Create(0xD1B7_1759u)) >>> 45;
        var remainders = halves.AsUInt64() - Sse2.Multiply(quotients.AsUInt32(), Vector128.Create(10_000u));
        // Four-digit groups in 32-bit lanes, in order; each the low half of its lane seen as 16-bit lanes.
        var groups = (quotients | remainders << 32).AsUInt16();
        var hundreds = Sse2.MultiplyHigh(groups, Vector128.Create((ushort)5243)) >>> 3;
        var pairs = hundreds | ((groups - hundreds * 100).AsUInt32() << 16).AsUInt16();
        var tens = Sse2.MultiplyHigh(pairs, Vector128.Create((ushort)6554));
        var digits = tens | (pairs - tens * 10) << 8;
        return digits.AsByte() | Vector128.Create((byte)'0');
    }

    /// <summary>Eight ASCII '0's.</summary>
    private const ulong AsciiZeros = 0x3030_3030_3030_3030;

    /// <summary>The eight ASCII digits of a value below 10^8 (leading zeros included), the first in the lowest byte.</summary>
    /// <remarks>
    /// Divided in the lanes of one 64-bit word (SWAR): into two four-digit halves (32-bit lanes), four pairs (16-bit
    /// lanes, ÷100 as ×10486 ≫ 20, exact below 10^4) and eight digits (bytes, ÷10 as ×103 ≫ 10, exact below 100);
    /// no lane's product reaches the next lane's bits that the masks keep.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong EightDigits(uint value)
    {
        ulong halves = value / 10_000 | (ulong)(value % 10_000) << 32;
        ulong hundreds = (halves * 10_486 >> 20) & 0x0000_007F_0000_007F;
        ulong pairs = hundreds | (halves - hundreds * 100) << 16;
        ulong tens = (pairs * 103 >> 10) & 0x000F_000F_000F_000F;
        return (tens | (pairs - tens * 10) << 8) | AsciiZeros;
    }
}
