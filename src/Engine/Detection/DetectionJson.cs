using System.Text;
using System.Text.Json;

namespace Engine.Detection;

/// <summary>
/// Reads and writes detections as JSON, one object per image:
/// <c>{"models":[{"boxes":[[x1,y1,x2,y2],…],"scores":[…],"labels":[…]}],"weights":[…]}</c> in, and
/// <c>{"boxes":…,"scores":…,"labels":…}</c> out; a file holds a JSON array of them or JSON Lines.
/// </summary>
public static class DetectionJson
{
    /// <summary>
    /// The largest magnitude a coordinate, score or weight may have (10^15): far beyond any confidence or pixel
    /// coordinate, and small enough that what fusion forms stays finite. Like ensemble-boxes, fusion keeps
    /// weighted scores and the running sums of score × weight × coordinate (coordinates clipped to [0, 1]) in
    /// float32, whose largest value is 3.4e38: 10^15 × 10^15 × 2^24 boxes ≈ 1.7e37 stays below it.
    /// </summary>
    public const double MaxMagnitude = 1e15;

    /// <summary>Reads every image of a JSON array or a sequence of JSON objects (JSON Lines).</summary>
    /// <param name="utf8">The file's bytes.</param>
    /// <param name="source">The file's name, for messages.</param>
    /// <param name="isArray">True when the input was a JSON array (the output should be one too).</param>
    /// <exception cref="InvalidDataException">The file is not UTF-8, the JSON is malformed, or an image does not have the expected shape; the message names the image and model.</exception>
    public static List<ImagePredictions> Read(ReadOnlySpan<byte> utf8, string source, out bool isArray)
    {
        RequireUtf8(utf8, source);
        var images = new List<ImagePredictions>();
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip });
        isArray = false;
        try
        {
            bool first = true;
            while (reader.Read())
            {
                if (first && reader.TokenType == JsonTokenType.StartArray)
                {
                    isArray = true;
                    first = false;
                    continue;
                }
                first = false;
                if (isArray && reader.TokenType == JsonTokenType.EndArray)
                    continue;
                if (reader.TokenType != JsonTokenType.StartObject)
                    throw new InvalidDataException($"{source}: image {images.Count} is not a JSON object (found {reader.TokenType}).");
                using var image = JsonDocument.ParseValue(ref reader);
                images.Add(ParseImage(image.RootElement, images.Count, source));
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: malformed JSON near image {images.Count} (line {e.LineNumber + 1}): {Engine.IO.PrintableText.Escape(e.Message, 300)}", e);
        }
        return images;
    }

    /// <summary>
    /// Refuses a file that is not UTF-8 anywhere, as Python's json does: Utf8JsonReader checks only the strings
    /// that are read as text, so invalid bytes in a key or value Engine skips would otherwise pass.
    /// </summary>
    private static void RequireUtf8(ReadOnlySpan<byte> utf8, string source)
    {
        if (System.Text.Unicode.Utf8.IsValid(utf8))
            return;
        int at = 0;
        while (System.Text.Rune.DecodeFromUtf8(utf8[at..], out _, out int consumed) == System.Buffers.OperationStatus.Done)
            at += consumed;
        int line = utf8[..at].Count((byte)'\n') + 1;
        throw new InvalidDataException($"{source} is not valid UTF-8: byte 0x{utf8[at]:X2} at offset {at} (line {line}); JSON files must be UTF-8.");
    }

    /// <summary>Parses one image object.</summary>
    /// <param name="image">The object.</param>
    /// <param name="index">The image's index, for messages.</param>
    /// <param name="source">The file's name, for messages.</param>
    /// <exception cref="InvalidDataException">A field is missing or of the wrong shape.</exception>
    public static ImagePredictions ParseImage(JsonElement image, int index, string source = "input")
    {
        string where = $"{source}: image {index}";
        if (image.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{where} is not a JSON object.");
        if (!image.TryGetProperty("models", out var modelsElement) || modelsElement.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{where} has no \"models\" array.");
        var models = new List<ModelPredictions>();
        foreach (var model in modelsElement.EnumerateArray())
        {
            string at = $"{where}, model {models.Count}";
            if (model.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{at} is not a JSON object.");
            var boxes = Array(model, "boxes", at);
            var flat = new double[boxes.GetArrayLength() * 4];
            int b = 0;
            foreach (var box in boxes.EnumerateArray())
            {
                if (box.ValueKind != JsonValueKind.Array || box.GetArrayLength() != 4)
                    throw new InvalidDataException($"{at}, box {b}: expected [x1, y1, x2, y2].");
                int c = 0;
                foreach (var v in box.EnumerateArray())
                {
                    flat[4 * b + c] = Number(v, $"{at}, box {b}, {Corner[c]}");
                    c++;
                }
                b++;
            }
            var scores = Numbers(Array(model, "scores", at), $"{at}, score");
            var labelValues = Numbers(Array(model, "labels", at), $"{at}, label");
            var labels = new int[labelValues.Length];
            for (int i = 0; i < labels.Length; i++)
            {
                double l = labelValues[i];
                if (l != Math.Floor(l) || l < int.MinValue || l > int.MaxValue)
                    throw new InvalidDataException($"{at}, label {i} is {l}; labels must be integers.");
                labels[i] = (int)l;
            }
            if (scores.Length != b || labels.Length != b)
                throw new InvalidDataException($"{at}: {b} boxes, {scores.Length} scores and {labels.Length} labels; they must have the same length.");
            models.Add(new ModelPredictions(flat, scores, labels));
        }
        double[]? weights = null;
        if (image.TryGetProperty("weights", out var w) && w.ValueKind != JsonValueKind.Null)
        {
            if (w.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{where}: \"weights\" is not an array.");
            weights = Numbers(w, $"{where}, weight");
            for (int m = 0; m < weights.Length; m++)
            {
                if (!(weights[m] > 0))
                    throw new InvalidDataException($"{where}, weight {m} is {Text(weights[m])}; weights must be positive.");
            }
        }
        return new ImagePredictions(models, weights);
    }

    private static JsonElement Array(JsonElement model, string name, string at) =>
        model.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.Array ? e
            : throw new InvalidDataException($"{at} has no \"{name}\" array.");

    private static readonly string[] Corner = ["x1", "y1", "x2", "y2"];

    private static string Text(double v) => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    private static double[] Numbers(JsonElement array, string at)
    {
        var values = new double[array.GetArrayLength()];
        int i = 0;
        foreach (var v in array.EnumerateArray())
        {
            values[i] = Number(v, $"{at} {i}");
            i++;
        }
        return values;
    }

    /// <summary>A finite number of magnitude at most <see cref="MaxMagnitude"/>, or an error naming where it is.</summary>
    /// <remarks>
    /// NaN and ±Infinity (as the strings "NaN", "Infinity", which Python's json writes bare and .NET reads quoted)
    /// and numbers beyond double's range are refused here, with the file, image, model and box, rather than
    /// later by the batch (which knows no file) or by the JSON writer (which names nothing).
    /// </remarks>
    private static double Number(JsonElement v, string at)
    {
        if (v.ValueKind == JsonValueKind.Number)
        {
            if (!v.TryGetDouble(out double value) || !double.IsFinite(value))
                throw new InvalidDataException($"{at} is {Engine.IO.PrintableText.Escape(v.GetRawText(), 60)}, beyond the range of a double.");
            if (Math.Abs(value) > MaxMagnitude)
                throw new InvalidDataException($"{at} is {Text(value)}; Engine accepts magnitudes up to 1e15, so that fused sums stay finite.");
            return value;
        }
        if (v.ValueKind == JsonValueKind.String && v.GetString() is "NaN" or "Infinity" or "-Infinity")
            throw new InvalidDataException($"{at} is {v.GetString()}; values must be finite numbers.");
        throw new InvalidDataException($"{at} is {Engine.IO.PrintableText.Escape(v.GetRawText(), 60)}, not a number.");
    }

    /// <summary>Writes each image's boxes as <c>{"boxes":…,"scores":…,"labels":…}</c>, as a JSON array or one object a line.</summary>
    /// <param name="output">Where to write (UTF-8).</param>
    /// <param name="result">The boxes.</param>
    /// <param name="asArray">A JSON array; otherwise JSON Lines.</param>
    /// <param name="scaleX">Multiplies x coordinates (an image width for pixel output; 1 for normalized).</param>
    /// <param name="scaleY">Multiplies y coordinates.</param>
    public static void Write(Stream output, DetectionResult result, bool asArray, double scaleX = 1, double scaleY = 1)
    {
        var newline = Encoding.UTF8.GetBytes("\n");
        if (asArray)
            output.Write("["u8);
        for (int i = 0; i < result.ImageCount; i++)
        {
            // Finite inputs within MaxMagnitude cannot fuse to a non-finite value; a non-finite one here is a bug,
            // reported with the image rather than as the JSON writer's complaint about infinity.
            foreach (double s in result.ImageScores(i))
            {
                if (!double.IsFinite(s))
                    throw new InvalidOperationException($"Image {i}: a fused score is {Text(s)}; Engine produced a non-finite value from finite inputs.");
            }
            var imageBoxes = result.ImageBoxes(i);
            foreach (double c in imageBoxes)
            {
                if (!double.IsFinite(c * scaleX) || !double.IsFinite(c * scaleY))
                    throw new InvalidOperationException($"Image {i}: a fused coordinate is {Text(c)} (× {Text(scaleX)}, {Text(scaleY)}); Engine produced a non-finite value from finite inputs.");
            }
            if (asArray && i > 0)
                output.Write(","u8);
            if (asArray)
                output.Write(newline);
            using (var json = new Utf8JsonWriter(output))
            {
                json.WriteStartObject();
                json.WriteStartArray("boxes");
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
                json.WriteStartArray("scores");
                foreach (double s in result.ImageScores(i))
                    json.WriteNumberValue(s);
                json.WriteEndArray();
                json.WriteStartArray("labels");
                foreach (int l in result.ImageLabels(i))
                    json.WriteNumberValue(l);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            if (!asArray)
                output.Write(newline);
        }
        if (asArray)
            output.Write(result.ImageCount > 0 ? "\n]\n"u8 : "]\n"u8);
    }
}
