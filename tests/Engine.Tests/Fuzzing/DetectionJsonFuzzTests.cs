using System.Globalization;
using System.Text;
using System.Text.Json;
using Engine.Detection;

namespace Engine.Tests.Fuzzing;

/// <summary>
/// Mutated box files through <see cref="DetectionJson.Read"/>: a clean <see cref="InvalidDataException"/> naming
/// the file, or the numbers an independent walk of the same JSON reads (a repeated key takes the last value, as
/// Python's json does; numbers parsed from their text, so 1e400 is infinity as in Python).
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class DetectionJsonFuzzTests
{
    private const int Seed = 0x4A534F31;

    [Fact]
    public void Fuzz_detection_json_reader()
    {
        using var campaign = new FuzzCampaign("json", Seed, ".json");
        string one = """{"models":[{"boxes":[[0.1,0.2,0.5,0.6],[0.3,0.3,0.9,0.8]],"scores":[0.9,0.45],"labels":[0,2]},{"boxes":[[0.12,0.21,0.52,0.6]],"scores":[0.8],"labels":[0]}],"weights":[2,1]}""";
        string two = """{"models":[{"boxes":[],"scores":[],"labels":[]}]}""";
        var seeds = new[] { ("array.json", $"[{one},\n{two}]"), ("lines.jsonl", $"{one}\n{two}\n{one}\n"), ("one.json", one) }
            .Select(s => new FuzzSeed(s.Item1, Encoding.UTF8.GetBytes(s.Item2), [])).ToList();
        campaign.Run(FuzzSettings.JsonIterations, seeds, Check, TextMutations);
        campaign.AssertClean();
    }

    private static IEnumerable<Finding> Check(string path, Mutant input)
    {
        List<ImagePredictions> images;
        try
        {
            images = DetectionJson.Read(input.Bytes, path, out _);
        }
        catch (Exception e)
        {
            return e is InvalidDataException ? FuzzProperty.CleanError(e, path)
                : [new Finding($"unexpected {e.GetType().Name}", FuzzCampaign.OneLine(e.Message))];
        }
        List<List<(double[] Boxes, double[] Scores, double[] Labels)>> reference;
        try
        {
            reference = Reference(input.Bytes);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return [new Finding("accepted malformed boxes", e.Message)];
        }
        if (reference.Count != images.Count)
            return [new Finding("accepted with wrong values", $"{images.Count} images, the independent walk reads {reference.Count}")];
        for (int i = 0; i < images.Count; i++)
        {
            if (images[i].Models.Count != reference[i].Count)
                return [new Finding("accepted with wrong values", $"image {i}: {images[i].Models.Count} models, the independent walk reads {reference[i].Count}")];
            for (int m = 0; m < reference[i].Count; m++)
            {
                var (boxes, scores, labels) = reference[i][m];
                var model = images[i].Models[m];
                if (FuzzProperty.FirstDifference<double>(model.Boxes, boxes, $"image {i} model {m} boxes") is { } d1)
                    return [d1];
                if (FuzzProperty.FirstDifference<double>(model.Scores, scores, $"image {i} model {m} scores") is { } d2)
                    return [d2];
                if (FuzzProperty.FirstDifference<double>(model.Labels.Select(l => (double)l).ToArray(), labels, $"image {i} model {m} labels") is { } d3)
                    return [d3];
            }
        }
        return [];
    }

    private static List<List<(double[], double[], double[])>> Reference(byte[] utf8)
    {
        var images = new List<List<(double[], double[], double[])>>();
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip });
        bool first = true, array = false;
        while (reader.Read())
        {
            if (first && reader.TokenType == JsonTokenType.StartArray)
            {
                array = true;
                first = false;
                continue;
            }
            first = false;
            if (array && reader.TokenType == JsonTokenType.EndArray)
                continue;
            using var doc = JsonDocument.ParseValue(ref reader);
            var image = doc.RootElement;
            if (image.ValueKind != JsonValueKind.Object)
                throw new FormatException("image is not an object");
            var models = new List<(double[], double[], double[])>();
            foreach (var model in Last(image, "models").EnumerateArray())
            {
                var boxes = new List<double>();
                foreach (var box in Last(model, "boxes").EnumerateArray())
                {
                    if (box.ValueKind != JsonValueKind.Array || box.GetArrayLength() != 4)
                        throw new FormatException("box is not 4 numbers");
                    boxes.AddRange(box.EnumerateArray().Select(Number));
                }
                var scores = Last(model, "scores").EnumerateArray().Select(Number).ToArray();
                var labels = Last(model, "labels").EnumerateArray().Select(Number).ToArray();
                if (labels.Any(l => l != Math.Floor(l) || l < int.MinValue || l > int.MaxValue))
                    throw new FormatException("label is not an int");
                if (scores.Length != boxes.Count / 4 || labels.Length != boxes.Count / 4)
                    throw new FormatException("lengths differ");
                models.Add((boxes.ToArray(), scores, labels));
            }
            if (image.EnumerateObject().LastOrDefault(p => p.Name == "weights") is { Value.ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } w)
            {
                if (w.Value.ValueKind != JsonValueKind.Array)
                    throw new FormatException("weights is not an array");
                _ = w.Value.EnumerateArray().Select(Number).ToArray();
            }
            images.Add(models);
        }
        return images;
    }

    private static JsonElement Last(JsonElement o, string name)
    {
        if (o.ValueKind != JsonValueKind.Object)
            throw new FormatException("not an object");
        var p = o.EnumerateObject().LastOrDefault(p => p.Name == name);
        return p.Value.ValueKind == JsonValueKind.Array ? p.Value : throw new FormatException($"no {name} array");
    }

    private static double Number(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number => double.Parse(v.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture),
        JsonValueKind.String when v.GetString() is "NaN" or "Infinity" or "-Infinity" => double.Parse(v.GetString()!, CultureInfo.InvariantCulture),
        _ => throw new FormatException("not a number"),
    };

    private static readonly string[] Numbers = ["1e308", "1e400", "-1e400", "NaN", "\"NaN\"", "\"Infinity\"", "-0", "0.5", "1.5", "2147483648", "-2147483649", "1e-400", "9007199254740993", "\"0.5\"", "null", "true", "[]", "{}", "1E2", "0x10", "01"];

    private static readonly IReadOnlyList<Func<byte[], Random, Mutant?>> TextMutations =
    [
        (b, r) => ReplaceNumber(b, r),
        (b, r) => ReplaceNumber(b, r),
        // Python's json keeps the last of a repeated key.
        (b, r) => Edit(b, "repeated key", t => t.Replace("\"scores\":[", $"\"scores\":[{Numbers[r.Next(Numbers.Length)]}],\"scores\":[")),
        (b, r) => Edit(b, "repeated key", t => t.Replace("\"boxes\":[", "\"boxes\":[[0,0,1,1]],\"boxes\":[")),
        (b, r) => Edit(b, "repeated models", t => t.Replace("{\"models\":", "{\"models\":[],\"models\":")),
        (b, r) =>
        {
            string t = Encoding.UTF8.GetString(b);
            var structural = Enumerable.Range(0, t.Length).Where(i => "[]{},:\"".Contains(t[i])).ToList();
            if (structural.Count == 0)
                return null;
            int at = structural[r.Next(structural.Count)];
            return new Mutant(Encoding.UTF8.GetBytes(t.Remove(at, 1)), $"structural '{t[at]}' @{at} removed");
        },
        (b, r) => Edit(b, "deep nesting", t => t.Replace("\"weights\":[", "\"weights\":" + new string('[', 2000) + new string(']', 1999) + ",[")),
        (b, r) => Edit(b, "box of 3", t => t.Replace(",0.6]", "]")),
        (b, r) => Edit(b, "control character in a key", t => t.Replace("\"labels\"", "\"lab\u000Cels\"")),
        (b, r) => Edit(b, "unknown field", t => t.Replace("{\"models\"", "{\"x\":1,\"models\"")),
        (b, r) => Edit(b, "comment", t => t.Replace("\"weights\"", "/* c */\"weights\"")),
        (b, r) => Edit(b, "BOM", t => "\uFEFF" + t),
        (b, r) => Edit(b, "invalid UTF-8", t => t) is var m && m is not null ? m : new Mutant([.. b[..(b.Length / 2)], 0xC3, 0x28, .. b[(b.Length / 2)..]], "invalid UTF-8 inserted"),
    ];

    private static Mutant? Edit(byte[] b, string what, Func<string, string> edit)
    {
        string t = Encoding.UTF8.GetString(b), changed = edit(t);
        return changed == t ? null : new Mutant(Encoding.UTF8.GetBytes(changed), what);
    }

    private static Mutant? ReplaceNumber(byte[] b, Random r)
    {
        string t = Encoding.UTF8.GetString(b);
        var matches = System.Text.RegularExpressions.Regex.Matches(t, @"-?\d+(\.\d+)?([eE][-+]?\d+)?");
        if (matches.Count == 0)
            return null;
        var m = matches[r.Next(matches.Count)];
        string value = Numbers[r.Next(Numbers.Length)];
        return new Mutant(Encoding.UTF8.GetBytes(t[..m.Index] + value + t[(m.Index + m.Length)..]), $"number {m.Value} @{m.Index} -> {value}");
    }
}
