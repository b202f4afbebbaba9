using System.Buffers;
using System.Text.Json;
using Engine.Detection;

namespace Engine.Tests.Detection;

/// <summary>
/// The box and COCO writers format numbers with <see cref="Engine.IO.ShortestDouble"/> and write the punctuation
/// themselves: their files must be byte for byte what <see cref="Utf8JsonWriter"/> writes for the same values.
/// </summary>
public class DetectionJsonWriterTests
{
    /// <summary>Values of every size and digit count: tiny, huge (exponent notation), negative, integers, float32 widened.</summary>
    private static double AnyValue(Random random) => random.Next(6) switch
    {
        0 => random.Next(-5, 6),
        1 => random.NextSingle(),
        2 => Math.ScaleB(random.NextDouble() - 0.5, random.Next(-80, 80)),
        3 => random.Next(1_000_000) / 1_000_000.0,
        4 => BitConverter.Int64BitsToDouble(random.NextInt64(0, 0x7FEF_FFFF_FFFF_FFFF)) * (random.Next(2) * 2 - 1),
        _ => random.NextDouble(),
    };

    private static DetectionResult AnyResult(Random random, int images)
    {
        var starts = new int[images + 1];
        for (int i = 0; i < images; i++)
            starts[i + 1] = starts[i] + random.Next(0, 8);
        int total = starts[^1];
        return new DetectionResult(
            Enumerable.Range(0, 4 * total).Select(_ => AnyValue(random)).ToArray(),
            Enumerable.Range(0, total).Select(_ => AnyValue(random)).ToArray(),
            // Class ids as detectors write them (one digit, written directly, or a few), and any int.
            Enumerable.Range(0, total).Select(_ => random.Next(2) == 0 ? random.Next(-2, 12) : random.Next(int.MinValue, int.MaxValue)).ToArray(),
            starts);
    }

    /// <summary>The boxes file as <see cref="Utf8JsonWriter"/> writes it, image by image.</summary>
    private static byte[] WrittenByUtf8JsonWriter(DetectionResult result, bool asArray, double scaleX, double scaleY)
    {
        var output = new ArrayBufferWriter<byte>();
        using var json = new Utf8JsonWriter(output);
        if (asArray)
            output.Write("["u8);
        for (int i = 0; i < result.ImageCount; i++)
        {
            if (asArray)
                output.Write(i > 0 ? ",\n"u8 : "\n"u8);
            json.Reset();
            json.WriteStartObject();
            json.WriteStartArray("boxes"u8);
            var boxes = result.ImageBoxes(i);
            for (int b = 0; b < boxes.Length; b += 4)
            {
                json.WriteStartArray();
                json.WriteNumberValue(boxes[b] * scaleX);
                json.WriteNumberValue(boxes[b + 1] * scaleY);
                json.WriteNumberValue(boxes[b + 2] * scaleX);
                json.WriteNumberValue(boxes[b + 3] * scaleY);
                json.WriteEndArray();
            }
            json.WriteEndArray();
            json.WriteStartArray("scores"u8);
            foreach (double s in result.ImageScores(i))
                json.WriteNumberValue(s);
            json.WriteEndArray();
            json.WriteStartArray("labels"u8);
            foreach (int l in result.ImageLabels(i))
                json.WriteNumberValue(l);
            json.WriteEndArray();
            json.WriteEndObject();
            json.Flush();
            if (!asArray)
                output.Write("\n"u8);
        }
        if (asArray)
            output.Write(result.ImageCount > 0 ? "\n]\n"u8 : "]\n"u8);
        return output.WrittenSpan.ToArray();
    }

    [Theory]
    [InlineData(true, 1.0, 1.0)]
    [InlineData(false, 1.0, 1.0)]
    [InlineData(true, 640.0, 480.0)]
    [InlineData(false, 1920.0, 1080.0)]
    public void Boxes_are_written_as_Utf8JsonWriter_writes_them(bool asArray, double scaleX, double scaleY)
    {
        var random = new Random(asArray ? 1 : 2);
        var result = AnyResult(random, 3_000);
        // Values huge enough to overflow when scaled are left out: the writer refuses them (RequireFinite).
        var boxes = result.Boxes;
        for (int i = 0; i < boxes.Length; i++)
        {
            if (!double.IsFinite(boxes[i] * Math.Max(scaleX, scaleY)))
                boxes[i] = 0.25;
        }
        using var written = new MemoryStream();
        DetectionJson.Write(written, result, asArray, scaleX, scaleY);
        Assert.Equal(WrittenByUtf8JsonWriter(result, asArray, scaleX, scaleY), written.ToArray());
    }

    [Theory]
    [InlineData(double.NaN, 0.25, 480.0, "Image 1: a fused score is NaN")]
    [InlineData(double.PositiveInfinity, 0.25, 480.0, "Image 1: a fused score is Infinity")]
    [InlineData(0.5, 1e308, 480.0, "Image 1: a fused coordinate is 1E+308 (× 640, 480)")]
    [InlineData(0.5, 0.25, double.NaN, "Image 0: a fused coordinate is 0.25 (× 640, NaN)")]
    public void A_non_finite_value_is_refused_with_its_image_and_nothing_is_written(double score, double coordinate, double scaleY, string expected)
    {
        // Three images of two boxes; image 1's second box holds the value (a NaN scale makes every coordinate so).
        var boxes = Enumerable.Repeat(0.25, 4 * 6).ToArray();
        var scores = Enumerable.Repeat(0.5, 6).ToArray();
        scores[3] = score;
        boxes[4 * 3] = coordinate;
        var result = new DetectionResult(boxes, scores, new int[6], [0, 2, 4, 6]);
        using var written = new MemoryStream();
        var error = Assert.Throws<InvalidOperationException>(() => DetectionJson.Write(written, result, asArray: true, 640, scaleY));
        Assert.StartsWith(expected, error.Message);
        Assert.Equal(0, written.Length);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void No_images_and_images_without_boxes_are_written_as_Utf8JsonWriter_writes_them(bool asArray)
    {
        foreach (var result in new[] { new DetectionResult([], [], [], [0]), new DetectionResult([], [], [], [0, 0, 0]) })
        {
            using var written = new MemoryStream();
            DetectionJson.Write(written, result, asArray);
            Assert.Equal(WrittenByUtf8JsonWriter(result, asArray, 1, 1), written.ToArray());
        }
    }

    [Fact]
    public void Coco_results_are_written_as_Utf8JsonWriter_writes_them()
    {
        var random = new Random(3);
        int count = 5_000;
        var detections = new CocoDetections(
            Enumerable.Range(0, count).Select(_ => random.NextInt64(-10, long.MaxValue)).ToArray(),
            Enumerable.Range(0, count).Select(_ => (long)random.Next(0, 91)).ToArray(),
            Enumerable.Range(0, 4 * count).Select(_ => AnyValue(random)).ToArray(),
            Enumerable.Range(0, count).Select(_ => AnyValue(random)).ToArray());

        var expected = new MemoryStream();
        using (var json = new Utf8JsonWriter(expected))
        {
            json.WriteStartArray();
            for (int d = 0; d < count; d++)
            {
                json.WriteStartObject();
                json.WriteNumber("image_id"u8, detections.ImageIds[d]);
                json.WriteNumber("category_id"u8, detections.CategoryIds[d]);
                json.WriteStartArray("bbox"u8);
                for (int c = 0; c < 4; c++)
                    json.WriteNumberValue(detections.Boxes[4 * d + c]);
                json.WriteEndArray();
                json.WriteNumber("score"u8, detections.Scores[d]);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        using var written = new MemoryStream();
        CocoJson.WriteResults(written, detections);
        Assert.Equal(expected.ToArray(), written.ToArray());
    }
}
