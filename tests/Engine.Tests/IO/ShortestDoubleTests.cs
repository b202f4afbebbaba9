using System.Buffers;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Engine.IO;

namespace Engine.Tests.IO;

/// <summary>
/// <see cref="ShortestDouble"/> must write exactly the bytes of <see cref="Utf8JsonWriter.WriteNumberValue(double)"/>:
/// each test compares the two on a family of doubles, about 1.4 million in all.
/// </summary>
public class ShortestDoubleTests
{
    /// <summary>Compares every double of <paramref name="values"/> (non-finite ones skipped) with the writer; returns how many it compared.</summary>
    private static int AssertSameBytes(IEnumerable<double> values)
    {
        var expected = new ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(expected);
        var actual = new byte[ShortestDouble.MaxLength];
        int compared = 0;
        foreach (double value in values)
        {
            if (!double.IsFinite(value))
                continue;
            expected.ResetWrittenCount();
            writer.Reset();
            writer.WriteNumberValue(value);
            writer.Flush();
            int length = ShortestDouble.Format(value, actual);
            if (!expected.WrittenSpan.SequenceEqual(actual.AsSpan(0, length)))
            {
                Assert.Fail($"{BitConverter.DoubleToInt64Bits(value):X16}: Utf8JsonWriter writes {Encoding.ASCII.GetString(expected.WrittenSpan)}, "
                    + $"ShortestDouble {Encoding.ASCII.GetString(actual, 0, length)}");
            }
            compared++;
        }
        return compared;
    }

    private static IEnumerable<double> BothSigns(IEnumerable<double> values) => values.SelectMany(v => new[] { v, -v });

    /// <summary>The doubles <paramref name="steps"/> ulps either side of <paramref name="value"/> (their bit patterns ± 1).</summary>
    private static IEnumerable<double> Around(double value, int steps)
    {
        long bits = BitConverter.DoubleToInt64Bits(value);
        for (int s = -steps; s <= steps; s++)
            yield return BitConverter.Int64BitsToDouble(bits + s);
    }

    [Fact]
    public void Special_values_match()
    {
        double[] values =
        [
            0.0, -0.0, 1, -1, 0.5, 0.1, 0.1 + 0.2, 1.0 / 3, Math.PI, 100, 1234567, double.MaxValue, double.MinValue,
            double.Epsilon, -double.Epsilon, 2 * double.Epsilon, 3 * double.Epsilon, 2.2250738585072014E-308,
            2.225073858507201E-308, 1e15, 9007199254740992, 9007199254740993, 1e16, 1e17, 1e-4, 1e-5, 1e21, 1e22, 1e23,
        ];
        Assert.Equal("1E-05", Text(1e-5));
        Assert.Equal("0.0001", Text(1e-4));
        Assert.Equal("10000000000000000", Text(1e16));
        Assert.Equal("1E+17", Text(1e17));
        Assert.Equal("-0", Text(-0.0));
        Assert.Equal("5E-324", Text(double.Epsilon));
        Assert.Equal(values.Length, AssertSameBytes(values));
        AssertSameBytes(BothSigns(values.SelectMany(v => Around(v, 20))));
    }

    private static string Text(double value)
    {
        var bytes = new byte[ShortestDouble.MaxLength];
        return Encoding.ASCII.GetString(bytes, 0, ShortestDouble.Format(value, bytes));
    }

    [Fact]
    public void Random_bit_patterns_match()
    {
        var random = new Random(1);
        Assert.True(AssertSameBytes(Enumerable.Range(0, 400_000).Select(_ => BitConverter.Int64BitsToDouble(random.NextInt64(long.MinValue, long.MaxValue)))) > 399_000);
    }

    [Fact]
    public void Random_float32_values_widened_and_scaled_match()
    {
        // Detection boxes: float32 values widened to double, alone and times an image size.
        var random = new Random(2);
        var floats = Enumerable.Range(0, 150_000).Select(_ => (double)BitConverter.Int32BitsToSingle(random.Next(int.MinValue, int.MaxValue)));
        var boxes = Enumerable.Range(0, 150_000).Select(_ => (double)random.NextSingle() * random.Next(1, 4_097));
        Assert.True(AssertSameBytes(floats.Concat(boxes)) > 299_000);
    }

    [Fact]
    public void Random_decimal_strings_parsed_match()
    {
        var random = new Random(3);
        var values = Enumerable.Range(0, 200_000).Select(_ =>
        {
            int digits = random.Next(1, 19);
            long significand = random.NextInt64(1, (long)Math.Min(Math.Pow(10, digits), long.MaxValue));
            return double.Parse($"{significand}e{random.Next(-345, 291)}", CultureInfo.InvariantCulture);
        });
        Assert.Equal(200_000, AssertSameBytes(values));
    }

    [Fact]
    public void Numbers_of_few_decimals_and_their_neighbours_match()
    {
        // The one-division path for numbers of at most six decimals below 2^28, its edges, and the doubles a few
        // ulps away that must go on to Schubfach.
        var rng = new Random(11);
        var values = new List<double>();
        for (int i = 0; i < 60_000; i++)
        {
            double v = Math.Round(rng.NextDouble() * Math.Pow(10, rng.Next(-7, 10)), rng.Next(0, 9));
            values.AddRange(Around(v, 2));
        }
        values.AddRange(Around(1 << 28, 1_000));
        values.AddRange(Around(0.000001, 50));
        values.AddRange(Around(0.999999, 50));
        values.AddRange(Enumerable.Range(0, 20_000).Select(i => (double)decimal.Round((decimal)(rng.NextDouble() * 3e8), 6)));
        int compared = AssertSameBytes(BothSigns(values));
        Assert.True(compared > 500_000, $"{compared} compared");
    }

    [Fact]
    public void Doubles_around_every_power_of_ten_match()
    {
        // Covers the notation switches (1e-5, 1e17) and every decimal exponent a double has.
        var powers = Enumerable.Range(-323, 632).Select(e => double.Parse($"1e{e}", CultureInfo.InvariantCulture));
        Assert.True(AssertSameBytes(BothSigns(powers.SelectMany(p => Around(p, 40)))) > 100_000);
    }

    [Fact]
    public void Every_power_of_two_and_its_neighbours_match()
    {
        // A power of two's lower neighbour is half as far as its upper one; .NET's exceptions to that are here too.
        var powers = Enumerable.Range(1, 2046).Select(e => BitConverter.Int64BitsToDouble((long)e << 52));
        Assert.True(AssertSameBytes(BothSigns(powers.SelectMany(p => Around(p, 3)))) > 28_000);
    }

    [Fact]
    public void Subnormals_match()
    {
        var random = new Random(4);
        var smallest = Enumerable.Range(1, 60_000).Select(t => BitConverter.Int64BitsToDouble(t));
        var largest = Enumerable.Range(1, 10_000).Select(t => BitConverter.Int64BitsToDouble((1L << 52) - t));
        var any = Enumerable.Range(0, 60_000).Select(_ => BitConverter.Int64BitsToDouble(random.NextInt64(1, 1L << 52)));
        Assert.Equal(130_000, AssertSameBytes(smallest.Concat(largest).Concat(any)));
    }

    [Fact]
    public void Integers_and_binary_fractions_match()
    {
        // Large integers put decimals exactly on the rounding interval's bounds; small ones take the integer path.
        var random = new Random(5);
        var large = Enumerable.Range(0, 100_000).Select(_ => (double)random.NextInt64(1L << 53, long.MaxValue));
        var small = Enumerable.Range(0, 50_000).Select(_ => (double)random.NextInt64(0, 1L << 53));
        var scaled = Enumerable.Range(0, 100_000).Select(_ => Math.ScaleB(random.NextInt64(1, 1L << 53), random.Next(-1100, 1000)));
        Assert.True(AssertSameBytes(large.Concat(small).Concat(scaled)) > 240_000);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Non_finite_values_are_refused(double value)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ShortestDouble.Format(value, new byte[ShortestDouble.MaxLength]));
    }

    [Fact]
    public void A_destination_of_the_texts_length_is_enough_and_a_shorter_one_is_refused()
    {
        Assert.Equal(ShortestDouble.MaxLength, Text(-1.2345678901234567E-308).Length);
        var exact = new byte[3];
        Assert.Equal(3, ShortestDouble.Format(0.5, exact));
        Assert.Equal("0.5", Encoding.ASCII.GetString(exact));
        Assert.Throws<ArgumentException>(() => ShortestDouble.Format(0.25, new byte[3]));
    }

    [Fact]
    public void The_logarithm_shortcuts_are_exact_over_the_exponents_of_doubles()
    {
        for (int q = -1100; q <= 1100; q++)
        {
            // ⌊q·log10 2⌋ = k: 10^k ≤ 2^q < 10^(k+1); ⌊log10(3/4·2^q)⌋ = k: 10^k ≤ 3·2^(q-2) < 10^(k+1).
            int k = ShortestDouble.FloorLog10Pow2(q);
            Assert.True(Sign(1, k, 1, q) <= 0 && Sign(1, k + 1, 1, q) > 0, $"FloorLog10Pow2({q}) = {k}");
            k = ShortestDouble.FloorLog10ThreeQuartersPow2(q);
            Assert.True(Sign(1, k, 3, q - 2) <= 0 && Sign(1, k + 1, 3, q - 2) > 0, $"FloorLog10ThreeQuartersPow2({q}) = {k}");
        }
        for (int e = -400; e <= 400; e++)
        {
            // ⌊e·log2 10⌋ = b: 2^b ≤ 10^e < 2^(b+1).
            int b = ShortestDouble.FloorLog2Pow10(e);
            Assert.True(Sign(1, e, 1, b) >= 0 && Sign(1, e, 1, b + 1) < 0, $"FloorLog2Pow10({e}) = {b}");
        }
    }

    [Fact]
    public void The_powers_of_ten_are_the_papers_over_approximations()
    {
        var powers = ShortestDouble.Powers;
        Assert.Equal(2 * (ShortestDouble.MaxPower - ShortestDouble.MinPower + 1), powers.Length);
        for (int e = ShortestDouble.MinPower; e <= ShortestDouble.MaxPower; e++)
        {
            // g = ⌊10^e · 2^-r⌋ + 1 with r = ⌊e·log2(10)⌋ - 125.
            int r = ShortestDouble.FloorLog2Pow10(e) - 125;
            BigInteger g = e >= 0
                ? (r >= 0 ? BigInteger.Pow(10, e) >> r : BigInteger.Pow(10, e) << -r)
                : (BigInteger.One << -r) / BigInteger.Pow(10, -e);
            g += 1;
            int at = 2 * (e - ShortestDouble.MinPower);
            Assert.True((ulong)(g >> 64) == powers[at] && (ulong)(g & ulong.MaxValue) == powers[at + 1], $"10^{e}: expected 0x{g:X}");
        }
    }

    [Fact]
    public void Sixteen_digits_in_one_vector_are_the_decimal_text_of_two_eight_digit_halves()
    {
        var rng = new Random(5);
        Span<byte> text = stackalloc byte[16];
        for (int i = 0; i < 100_000; i++)
        {
            uint high = (uint)rng.Next(100_000_000), low = (uint)rng.Next(100_000_000);
            if (i < 4)
                (high, low) = i switch { 0 => (0u, 0u), 1 => (99_999_999u, 99_999_999u), 2 => (10_000u, 9_999u), _ => (1u, 100_000_000u - 1) };
            System.Runtime.Intrinsics.Vector128.CopyTo(ShortestDouble.SixteenDigits(high, low), text);
            Assert.Equal(high.ToString("D8") + low.ToString("D8"), Encoding.ASCII.GetString(text));
        }
    }

    [Fact]
    public void Eight_digits_in_one_word_are_the_decimal_text_of_every_value_below_10_to_the_8()
    {
        // Every value whose lanes stress the divisions (all four-digit halves, all pairs), then a stride over the rest.
        var values = new List<uint>();
        for (uint half = 0; half < 10_000; half++)
            values.AddRange([half, half * 10_000, half * 10_000 + 9_999 - half, 99_999_999 - half]);
        for (uint v = 0; v < 100_000_000; v += 9_973)
            values.Add(v);
        Span<byte> text = stackalloc byte[8];
        foreach (uint value in values)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(text, ShortestDouble.EightDigits(value));
            Assert.Equal(value.ToString("D8"), Encoding.ASCII.GetString(text));
        }
    }

    /// <summary>The sign of a·10^tenExponent - b·2^twoExponent, in integers.</summary>
    private static int Sign(int a, int tenExponent, int b, int twoExponent)
    {
        BigInteger left = a * BigInteger.Pow(10, Math.Max(tenExponent, 0)) << Math.Max(-twoExponent, 0);
        BigInteger right = b * BigInteger.Pow(10, Math.Max(-tenExponent, 0)) << Math.Max(twoExponent, 0);
        return left.CompareTo(right);
    }
}
