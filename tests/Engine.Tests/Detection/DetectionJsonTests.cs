using System.Globalization;
using System.Text;
using System.Text.Json;
using Engine.Detection;

namespace Engine.Tests.Detection;

/// <summary>
/// The box file reader's short-number path and its reading in pieces, and the writer's runs on every core: each
/// must give exactly what one pass of the general parser or one writer gives.
/// </summary>
public class DetectionJsonTests
{
    /// <summary>What <see cref="Utf8JsonReader.TryGetDouble"/> makes of <paramref name="text"/>, and the short path's answer if it takes it.</summary>
    private static (double Reader, bool Short, double ShortValue) Parse(string text)
    {
        var reader = new Utf8JsonReader(Encoding.ASCII.GetBytes(text));
        Assert.True(reader.Read());
        Assert.Equal(JsonTokenType.Number, reader.TokenType);
        Assert.True(reader.TryGetDouble(out double expected));
        bool taken = DetectionJson.TryParseShortNumber(reader.ValueSpan, out double value);
        return (expected, taken, value);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("-0.0")]
    [InlineData("0e-400")]
    [InlineData("0.000000")]
    [InlineData("1.0")]
    [InlineData("0.1")]
    [InlineData("0.3")]
    [InlineData("-0.910341")]
    [InlineData("9007199254740992")]
    [InlineData("9007199254740993")]
    [InlineData("9007199254740991e22")]
    [InlineData("9007199254740991e-22")]
    [InlineData("1e22")]
    [InlineData("1e23")]
    [InlineData("1E-22")]
    [InlineData("1e-23")]
    [InlineData("123456789012345678901234567890")]
    [InlineData("0.1234567890123456789")]
    [InlineData("2.2250738585072014e-308")]
    [InlineData("1.7976931348623157e308")]
    [InlineData("4.9e-324")]
    [InlineData("1e+0005")]
    public void Edge_numbers_parse_bit_for_bit_as_the_reader_does(string text)
    {
        var (expected, taken, value) = Parse(text);
        if (taken)
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(value));
    }

    [Fact]
    public void Random_numbers_parse_bit_for_bit_as_the_reader_does_and_short_ones_take_the_short_path()
    {
        var random = new Random(20261205);
        int taken = 0, sixDecimals = 0, sixDecimalsTaken = 0;
        for (int i = 0; i < 200_000; i++)
        {
            string text = i % 2 == 0 ? RandomNumber(random) : Math.Round(random.NextDouble(), 6).ToString("R", CultureInfo.InvariantCulture);
            var (expected, isShort, value) = Parse(text);
            if (i % 2 == 1)
                sixDecimals++;
            if (!isShort)
                continue;
            taken++;
            if (i % 2 == 1)
                sixDecimalsTaken++;
            if (BitConverter.DoubleToInt64Bits(expected) != BitConverter.DoubleToInt64Bits(value))
                Assert.Fail($"{text}: reader {expected:R}, short path {value:R}");
        }
        // Every 6-decimal value (the workload's) takes the short path; the random forms often do not.
        Assert.Equal(sixDecimals, sixDecimalsTaken);
        Assert.InRange(taken, 120_000, 199_999);
    }

    /// <summary>A JSON number of 1–20 digits, a point anywhere or none, and an exponent of −30 to 30 or none.</summary>
    private static string RandomNumber(Random random)
    {
        var text = new StringBuilder();
        if (random.Next(2) == 0)
            text.Append('-');
        int digits = random.Next(1, 21);
        text.Append(random.Next(4) == 0 ? '0' : (char)('1' + random.Next(9)));
        bool leadingZero = text[^1] == '0';
        int point = leadingZero ? 1 : random.Next(1, digits + 1);
        for (int d = 1; d < digits; d++)
        {
            if (d == point)
                text.Append('.');
            text.Append((char)('0' + random.Next(10)));
        }
        if (leadingZero && digits == 1 && random.Next(2) == 0)
            text.Append(".0");
        if (random.Next(2) == 0)
            text.Append(random.Next(2) == 0 ? 'e' : 'E').Append(random.Next(3) switch { 0 => "-", 1 => "+", _ => "" }).Append(random.Next(0, 31));
        return text.ToString();
    }

    /// <summary>A JSON Lines file of <paramref name="count"/> images past the size read in pieces, every value known.</summary>
    private static (byte[] File, List<ImagePredictions> Images) LargeFile(int count, Func<int, string?>? lineOf = null)
    {
        var random = new Random(7);
        var images = new List<ImagePredictions>();
        var text = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            var models = new List<ModelPredictions>();
            for (int m = 0; m < 2; m++)
            {
                int boxes = random.Next(0, 40);
                var coordinates = Enumerable.Range(0, 4 * boxes).Select(_ => Math.Round(random.NextDouble(), random.Next(2, 16))).ToArray();
                var scores = Enumerable.Range(0, boxes).Select(_ => random.NextDouble()).ToArray();
                var labels = Enumerable.Range(0, boxes).Select(_ => random.Next(10)).ToArray();
                models.Add(new ModelPredictions(coordinates, scores, labels));
            }
            images.Add(new ImagePredictions(models));
            string line = lineOf?.Invoke(i) ?? Json(models);
            // Every fifth image spans several lines: a piece may start inside it, and must then not be used.
            text.Append(i % 5 == 0 ? line.Replace("],[", "],\n[", StringComparison.Ordinal) : line).Append('\n');
        }
        byte[] file = Encoding.UTF8.GetBytes(text.ToString());
        Assert.True(file.Length > 2 * DetectionJson.ParallelMinBytes, "the file must be large enough to be read in pieces");
        return (file, images);
    }

    private static string Json(List<ModelPredictions> models) => "{\"models\":[" + string.Join(",", models.Select(model =>
        "{\"boxes\":[" + string.Join(",", model.Boxes.Chunk(4).Select(b => "[" + string.Join(",", b.Select(R)) + "]")) + "]," +
        "\"scores\":[" + string.Join(",", model.Scores.Select(R)) + "],\"labels\":[" + string.Join(",", model.Labels) + "]}")) + "]}";

    private static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    [Fact]
    public void A_large_file_read_in_pieces_gives_every_value_in_order()
    {
        var (file, expected) = LargeFile(1_500);
        var images = DetectionJson.Read(file, "large.jsonl", out bool isArray);
        Assert.False(isArray);
        Assert.Equal(expected.Count, images.Count);
        for (int i = 0; i < images.Count; i++)
        {
            for (int m = 0; m < 2; m++)
            {
                Assert.Equal(expected[i].Models[m].Boxes, images[i].Models[m].Boxes);
                Assert.Equal(expected[i].Models[m].Scores, images[i].Models[m].Scores);
                Assert.Equal(expected[i].Models[m].Labels, images[i].Models[m].Labels);
            }
        }
    }

    [Theory]
    [InlineData("{\"models\":[{\"boxes\":[[0.1,0.1,0.2,\"x\"]],\"scores\":[0.5],\"labels\":[1]}]}", "image 1234, model 0, box 0, y2 is \"x\", not a number")]
    [InlineData("[{\"models\":[]}]", "image 1234 is not a JSON object (found StartArray)")]
    [InlineData("{\"models\":[{\"boxes\":[], \"scores\":[], \"labels\":[]}", "malformed JSON near image 1234 (line")]
    public void An_error_late_in_a_large_file_names_the_image_of_the_whole_file(string badLine, string phrase)
    {
        var (file, _) = LargeFile(1_500, i => i == 1234 ? badLine : null);
        var e = Assert.Throws<InvalidDataException>(() => DetectionJson.Read(file, "large.jsonl", out _));
        Assert.Contains(phrase, e.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Writing_in_runs_on_every_core_gives_the_bytes_of_each_image_written_alone(bool asArray)
    {
        // 6,000 images of up to 60 boxes: 11 runs of at least 16,384 boxes, more than one wave of runs on two cores.
        var random = new Random(11);
        var starts = new int[6_001];
        for (int i = 0; i < 6_000; i++)
            starts[i + 1] = starts[i] + random.Next(0, 61);
        int total = starts[^1];
        var result = new DetectionResult(
            Enumerable.Range(0, 4 * total).Select(_ => random.Next(10_000) / 10_000.0).ToArray(),
            Enumerable.Range(0, total).Select(_ => random.Next(10_000) / 10_000.0).ToArray(),
            Enumerable.Range(0, total).Select(_ => random.Next(100)).ToArray(), starts);

        using var whole = new MemoryStream();
        DetectionJson.Write(whole, result, asArray, 640, 480);

        var expected = new StringBuilder(asArray ? "[" : "");
        for (int i = 0; i < result.ImageCount; i++)
        {
            var alone = new DetectionResult(result.ImageBoxes(i).ToArray(), result.ImageScores(i).ToArray(), result.ImageLabels(i).ToArray(), [0, result.Count(i)]);
            using var one = new MemoryStream();
            DetectionJson.Write(one, alone, asArray: false, 640, 480);
            string line = Encoding.UTF8.GetString(one.ToArray());
            expected.Append(asArray ? (i > 0 ? ",\n" : "\n") + line.TrimEnd('\n') : line);
        }
        if (asArray)
            expected.Append("\n]\n");
        Assert.Equal(expected.ToString(), Encoding.UTF8.GetString(whole.ToArray()));
    }
}
