using System.Runtime.CompilerServices;

namespace Engine.Detection;

public static partial class DetectionJson
{
    /// <summary>
    /// The double nearest a JSON number's text when that takes one exact operation (Clinger's fast path): at most
    /// 2^53 as an integer of its digits, and a power of ten of at most 22 to multiply or divide by. Both operands
    /// are then exact doubles and IEEE arithmetic rounds the one product or quotient correctly, so the result is
    /// the parser's, bit for bit. False for any other number (more digits, larger exponents), which the caller
    /// leaves to <see cref="System.Text.Json.Utf8JsonReader.TryGetDouble"/>.
    /// </summary>
    /// <param name="number">A number token as <see cref="System.Text.Json.Utf8JsonReader"/> validated it:
    /// <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>.</param>
    /// <param name="value">The number.</param>
    internal static bool TryParseShortNumber(ReadOnlySpan<byte> number, out double value)
    {
        value = 0;
        int i = 0;
        bool negative = number[0] == (byte)'-';
        if (negative)
            i++;
        ulong digits = 0;
        int exponent = 0;
        bool inFraction = false;
        for (; i < number.Length; i++)
        {
            uint digit = (uint)(number[i] - '0');
            if (digit <= 9)
            {
                digits = digits * 10 + digit;
                if (digits > MaxExactInteger)
                    return false;
                if (inFraction)
                    exponent--;
            }
            else if (number[i] == (byte)'.')
                inFraction = true;
            else
                break;
        }
        if (i < number.Length)
        {
            // The exponent part: [eE][+-]?[0-9]+. More than four digits is out of the fast path's range anyway.
            i++;
            bool negativeExponent = number[i] == (byte)'-';
            if (number[i] is (byte)'-' or (byte)'+')
                i++;
            if (number.Length - i > 4)
                return false;
            int written = 0;
            for (; i < number.Length; i++)
                written = written * 10 + (number[i] - '0');
            exponent += negativeExponent ? -written : written;
        }
        return TryExactValue(digits, exponent, negative, out value);
    }

    /// <summary>
    /// ±<paramref name="digits"/> × 10^<paramref name="exponent"/> when that is one exact operation: the digits at
    /// most 2^53 (the caller stops before it passes) and the exponent within ±22, or the digits zero (±0 whatever
    /// the exponent). False otherwise.
    /// </summary>
    /// <remarks>Inlined into the scanner (compiled optimized at its first call) rather than called at tier 0.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryExactValue(ulong digits, int exponent, bool negative, out double value)
    {
        value = 0;
        if (digits == 0)
        {
            value = negative ? -0.0 : 0.0;
            return true;
        }
        if (exponent < -MaxExactPowerOfTen || exponent > MaxExactPowerOfTen)
            return false;
        double magnitude = exponent >= 0 ? digits * PowersOfTen[exponent] : digits / PowersOfTen[-exponent];
        value = negative ? -magnitude : magnitude;
        return true;
    }

    /// <summary>2^53: every integer up to it is a double.</summary>
    private const ulong MaxExactInteger = 1UL << 53;

    /// <summary>10^22 is the largest power of ten a double holds exactly (5^22 &lt; 2^53).</summary>
    private const int MaxExactPowerOfTen = 22;

    /// <summary>The exact powers of ten, as constant data: no static field whose initialization code must be checked first.</summary>
    private static ReadOnlySpan<double> PowersOfTen =>
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
}
