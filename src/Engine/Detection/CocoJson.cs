using System.Text.Json;
using Engine.IO;

namespace Engine.Detection;

/// <summary>
/// Reads COCO JSON with a forward-only <see cref="Utf8JsonReader"/> into flat arrays (no object per annotation):
/// a ground-truth instances file (<c>images</c>, <c>categories</c>, <c>annotations</c>) and a results file (a JSON
/// array of <c>{image_id, category_id, bbox: [x, y, w, h], score}</c>). Fields that box evaluation does not use
/// (segmentation, info, licenses, …) are skipped.
/// </summary>
public static class CocoJson
{
    private static readonly JsonReaderOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 };

    /// <summary>Reads a COCO ground-truth (instances) file.</summary>
    /// <param name="utf8">The file's bytes.</param>
    /// <param name="source">The file's name, for messages.</param>
    /// <exception cref="InvalidDataException">
    /// The JSON is malformed, or an image, category or annotation lacks a field or has one of the wrong type
    /// (<c>id</c>, <c>image_id</c>, <c>category_id</c>, <c>bbox</c> of four numbers and <c>area</c> are required;
    /// <c>iscrowd</c> defaults to 0), or two annotations share an id; the message names the file and the entry.
    /// </exception>
    public static CocoDataset ReadGroundTruth(ReadOnlySpan<byte> utf8, string source) => Read(utf8, source, imagesOnly: false);

    /// <summary>
    /// Reads the images (ids, width, height) of a COCO file that may have no annotations or categories (a test set's
    /// image info); annotations and categories present are read as in <see cref="ReadGroundTruth"/>.
    /// </summary>
    /// <param name="utf8">The file's bytes.</param>
    /// <param name="source">The file's name, for messages.</param>
    /// <exception cref="InvalidDataException">The JSON is malformed, there is no <c>images</c> array, or an entry is malformed; the message names the file and the entry.</exception>
    public static CocoDataset ReadImages(ReadOnlySpan<byte> utf8, string source) => Read(utf8, source, imagesOnly: true);

    private static CocoDataset Read(ReadOnlySpan<byte> utf8, string source, bool imagesOnly)
    {
        var reader = new Utf8JsonReader(utf8, Options);
        var images = new Growing<long>();
        var widths = new Growing<double>();
        var heights = new Growing<double>();
        var categories = new Growing<long>();
        var names = new List<string?>();
        var ids = new Growing<long>();
        var imageIds = new Growing<long>();
        var categoryIds = new Growing<long>();
        var boxes = new Growing<double>();
        var areas = new Growing<double>();
        var crowd = new Growing<bool>();
        var where = new Place("the top level");
        try
        {
            Read(ref reader, source, where);
            if (reader.TokenType != JsonTokenType.StartObject)
                throw new InvalidDataException($"{source}: expected a COCO ground-truth object {{\"images\", \"annotations\", \"categories\"}}, found {reader.TokenType}.");
            bool sawImages = false, sawCategories = false, sawAnnotations = false;
            while (Read(ref reader, source, where) && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("images"u8))
                {
                    sawImages = true;
                    ReadArrayStart(ref reader, source, new Place("\"images\""));
                    while (Read(ref reader, source, new Place("\"images\"")) && reader.TokenType != JsonTokenType.EndArray)
                    {
                        where = new Place("image", images.Count);
                        long? id = null;
                        double width = double.NaN, height = double.NaN;
                        ReadObject(ref reader, source, where, (ref Utf8JsonReader r) =>
                        {
                            var at = new Place("image", images.Count);
                            if (r.ValueTextEquals("id"u8))
                                id = ReadInteger(ref r, source, at, "id");
                            else if (r.ValueTextEquals("width"u8))
                                width = ReadNumber(ref r, source, at, "width");
                            else if (r.ValueTextEquals("height"u8))
                                height = ReadNumber(ref r, source, at, "height");
                            else
                                return false;
                            return true;
                        });
                        images.Add(id ?? throw new InvalidDataException($"{source}: {where} has no \"id\"."));
                        widths.Add(width);
                        heights.Add(height);
                    }
                }
                else if (reader.ValueTextEquals("categories"u8))
                {
                    sawCategories = true;
                    ReadArrayStart(ref reader, source, new Place("\"categories\""));
                    while (Read(ref reader, source, new Place("\"categories\"")) && reader.TokenType != JsonTokenType.EndArray)
                    {
                        where = new Place("category", categories.Count);
                        long? id = null;
                        string? name = null;
                        ReadObject(ref reader, source, where, (ref Utf8JsonReader r) =>
                        {
                            if (r.ValueTextEquals("id"u8))
                            {
                                id = ReadInteger(ref r, source, new Place("category", categories.Count), "id");
                                return true;
                            }
                            if (r.ValueTextEquals("name"u8))
                            {
                                Read(ref r, source, new Place("category", categories.Count));
                                name = r.TokenType == JsonTokenType.String ? r.GetString() : null;
                                if (r.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                                    r.Skip();
                                return true;
                            }
                            return false;
                        });
                        categories.Add(id ?? throw new InvalidDataException($"{source}: {where} has no \"id\"."));
                        names.Add(name);
                    }
                }
                else if (reader.ValueTextEquals("annotations"u8))
                {
                    sawAnnotations = true;
                    ReadArrayStart(ref reader, source, new Place("\"annotations\""));
                    while (Read(ref reader, source, new Place("\"annotations\"")) && reader.TokenType != JsonTokenType.EndArray)
                    {
                        ReadAnnotation(ref reader, source, ids, imageIds, categoryIds, boxes, areas, crowd, ref where);
                        where = new Place("annotation", ids.Count);
                    }
                }
                else
                {
                    Read(ref reader, source, where);
                    reader.Skip();
                }
            }
            if (imagesOnly && !sawImages)
                throw new InvalidDataException($"{source}: a COCO images file needs an \"images\" array of {{\"id\", \"width\", \"height\"}}.");
            if (!imagesOnly && (!sawImages || !sawCategories || !sawAnnotations))
                throw new InvalidDataException($"{source}: a COCO ground truth needs \"images\", \"categories\" and \"annotations\"; "
                    + $"missing: {string.Join(", ", new[] { sawImages ? null : "images", sawCategories ? null : "categories", sawAnnotations ? null : "annotations" }.Where(s => s is not null))}.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: malformed JSON at {where} (line {e.LineNumber + 1}): {e.Message}", e);
        }
        try
        {
            return new CocoDataset(images.ToArray(), categories.ToArray(), ids.ToArray(), imageIds.ToArray(), categoryIds.ToArray(),
                boxes.ToArray(), areas.ToArray(), crowd.ToArray(), names.ToArray(), source)
            {
                ImageWidths = widths.ToArray(),
                ImageHeights = heights.ToArray(),
            };
        }
        catch (ArgumentException e)
        {
            // The dataset's checks name the file and annotation already; .NET's " (Parameter '…')" suffix is dropped.
            int suffix = e.ParamName is null ? -1 : e.Message.IndexOf($" (Parameter '{e.ParamName}')", StringComparison.Ordinal);
            throw new InvalidDataException(suffix < 0 ? e.Message : e.Message[..suffix], e);
        }
    }

    /// <summary>Reads a COCO results file: a JSON array of <c>{image_id, category_id, bbox, score}</c>.</summary>
    /// <param name="utf8">The file's bytes.</param>
    /// <param name="source">The file's name, for messages.</param>
    /// <exception cref="InvalidDataException">The JSON is malformed, or a detection lacks a field, has one of the wrong type or a non-finite value; the message names the file and the detection.</exception>
    public static CocoDetections ReadResults(ReadOnlySpan<byte> utf8, string source)
    {
        var reader = new Utf8JsonReader(utf8, Options);
        var imageIds = new Growing<long>();
        var categoryIds = new Growing<long>();
        var boxes = new Growing<double>();
        var scores = new Growing<double>();
        Span<double> box = stackalloc double[4];
        var where = new Place("the top level");
        try
        {
            Read(ref reader, source, where);
            if (reader.TokenType != JsonTokenType.StartArray)
                throw new InvalidDataException($"{source}: expected COCO results, a JSON array of {{\"image_id\", \"category_id\", \"bbox\", \"score\"}}; found {reader.TokenType}.");
            while (Read(ref reader, source, where) && reader.TokenType != JsonTokenType.EndArray)
            {
                int d = imageIds.Count;
                where = new Place("detection", d);
                if (reader.TokenType != JsonTokenType.StartObject)
                    throw new InvalidDataException($"{source}: {where} is not a JSON object (found {reader.TokenType}).");
                var fields = new BoxFields();
                double score = double.NaN;
                bool hasScore = false;
                while (Read(ref reader, source, where) && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (ReadBoxField(ref reader, source, where, ref fields, box))
                        continue;
                    if (reader.ValueTextEquals("score"u8))
                    {
                        score = ReadNumber(ref reader, source, where, "score");
                        hasScore = true;
                    }
                    else
                    {
                        Read(ref reader, source, where);
                        reader.Skip();
                    }
                }
                var (image, category, hasBox) = fields;
                if (image is null || category is null || !hasBox || !hasScore)
                    throw new InvalidDataException($"{source}: {(image is { } i ? $"{where} (image {i})" : where)} lacks {Missing(("image_id", image is not null), ("category_id", category is not null), ("bbox", hasBox), ("score", hasScore))}.");
                imageIds.Add(image.Value);
                categoryIds.Add(category.Value);
                boxes.AddRange(box);
                scores.Add(score);
                where = new Place("detection", imageIds.Count);
            }
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: malformed JSON at {where} (line {e.LineNumber + 1}): {e.Message}", e);
        }
        return new CocoDetections(imageIds.ToArray(), categoryIds.ToArray(), boxes.ToArray(), scores.ToArray(), source);
    }

    /// <summary>Writes detections in COCO results format: a JSON array of <c>{image_id, category_id, bbox: [x, y, w, h], score}</c>, numbers in their shortest round-trip form.</summary>
    /// <param name="stream">Where to write.</param>
    /// <param name="detections">The detections, in their order.</param>
    public static void WriteResults(Stream stream, CocoDetections detections)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(detections);
        using var writer = new Utf8JsonWriter(stream);
        // Doubles as ShortestDouble's text, the bytes WriteNumberValue writes, in a fraction of its time.
        Span<byte> number = stackalloc byte[ShortestDouble.MaxLength];
        writer.WriteStartArray();
        for (int d = 0; d < detections.Count; d++)
        {
            writer.WriteStartObject();
            writer.WriteNumber("image_id"u8, detections.ImageIds[d]);
            writer.WriteNumber("category_id"u8, detections.CategoryIds[d]);
            writer.WriteStartArray("bbox"u8);
            for (int c = 0; c < 4; c++)
                writer.WriteRawValue(number[..ShortestDouble.Format(detections.Boxes[4 * d + c], number)], skipInputValidation: true);
            writer.WriteEndArray();
            writer.WritePropertyName("score"u8);
            writer.WriteRawValue(number[..ShortestDouble.Format(detections.Scores[d], number)], skipInputValidation: true);
            writer.WriteEndObject();
            if (writer.BytesPending > 1 << 16)
                writer.Flush();
        }
        writer.WriteEndArray();
    }

    private delegate bool PropertyReader(ref Utf8JsonReader reader);

    /// <summary>Where the reader is ("annotation 12"), formatted only for a message, so reading allocates nothing per entry.</summary>
    private readonly record struct Place(string Kind, int Index = -1)
    {
        public override string ToString() => Index < 0 ? Kind : $"{Kind} {Index}";
    }

    private static void ReadAnnotation(ref Utf8JsonReader reader, string source, Growing<long> ids, Growing<long> imageIds, Growing<long> categoryIds,
        Growing<double> boxes, Growing<double> areas, Growing<bool> crowd, ref Place where)
    {
        int a = ids.Count;
        where = new Place("annotation", a);
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new InvalidDataException($"{source}: {where} is not a JSON object (found {reader.TokenType}).");
        long? id = null;
        var fields = new BoxFields();
        double area = double.NaN;
        bool hasArea = false, isCrowd = false;
        Span<double> box = stackalloc double[4];
        while (Read(ref reader, source, where) && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (ReadBoxField(ref reader, source, where, ref fields, box))
                continue;
            if (reader.ValueTextEquals("id"u8))
                id = ReadInteger(ref reader, source, where, "id");
            else if (reader.ValueTextEquals("area"u8))
            {
                area = ReadNumber(ref reader, source, where, "area");
                hasArea = true;
            }
            else if (reader.ValueTextEquals("iscrowd"u8))
            {
                Read(ref reader, source, where);
                isCrowd = reader.TokenType switch
                {
                    JsonTokenType.True => true,
                    JsonTokenType.False => false,
                    JsonTokenType.Number when reader.TryGetInt64(out long v) => v != 0,
                    _ => throw new InvalidDataException($"{source}: {where}: \"iscrowd\" must be 0 or 1 (found {reader.TokenType})."),
                };
            }
            else
            {
                Read(ref reader, source, where);
                reader.Skip();
            }
        }
        var (image, category, hasBox) = fields;
        if (id is null || image is null || category is null || !hasBox || !hasArea)
            throw new InvalidDataException($"{source}: {(id is { } i ? $"{where} (id {i})" : where)} lacks {Missing(("id", id is not null), ("image_id", image is not null), ("category_id", category is not null), ("bbox", hasBox), ("area", hasArea))}.");
        ids.Add(id.Value);
        imageIds.Add(image.Value);
        categoryIds.Add(category.Value);
        boxes.AddRange(box);
        areas.Add(area);
        crowd.Add(isCrowd);
    }

    /// <summary>The fields a ground-truth annotation and a detection share, as read so far.</summary>
    private record struct BoxFields(long? Image, long? Category, bool HasBox);

    /// <summary>
    /// Reads the property the reader is on into <paramref name="fields"/> (and <paramref name="box"/>) when it is
    /// <c>image_id</c>, <c>category_id</c> or <c>bbox</c>; false, having read nothing, for any other.
    /// </summary>
    private static bool ReadBoxField(ref Utf8JsonReader reader, string source, Place where, ref BoxFields fields, scoped Span<double> box)
    {
        if (reader.ValueTextEquals("image_id"u8))
            fields.Image = ReadInteger(ref reader, source, where, "image_id");
        else if (reader.ValueTextEquals("category_id"u8))
            fields.Category = ReadInteger(ref reader, source, where, "category_id");
        else if (reader.ValueTextEquals("bbox"u8))
        {
            ReadBox(ref reader, source, where, box);
            fields.HasBox = true;
        }
        else
            return false;
        return true;
    }

    private static string Missing(params (string Name, bool Present)[] fields) =>
        string.Join(", ", fields.Where(f => !f.Present).Select(f => $"\"{f.Name}\""));

    private static bool Read(ref Utf8JsonReader reader, string source, Place where)
    {
        if (!reader.Read())
            throw new InvalidDataException($"{source}: the JSON ends early, at {where}.");
        return true;
    }

    private static void ReadArrayStart(ref Utf8JsonReader reader, string source, Place what)
    {
        Read(ref reader, source, what);
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new InvalidDataException($"{source}: {what} is not a JSON array (found {reader.TokenType}).");
    }

    private static void ReadObject(ref Utf8JsonReader reader, string source, Place where, PropertyReader property)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new InvalidDataException($"{source}: {where} is not a JSON object (found {reader.TokenType}).");
        while (Read(ref reader, source, where) && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!property(ref reader))
            {
                Read(ref reader, source, where);
                reader.Skip();
            }
        }
    }

    private static long ReadInteger(ref Utf8JsonReader reader, string source, Place where, string field)
    {
        Read(ref reader, source, where);
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long value))
            throw new InvalidDataException($"{source}: {where}: \"{field}\" must be an integer (found {Describe(ref reader)}).");
        return value;
    }

    private static double ReadNumber(ref Utf8JsonReader reader, string source, Place where, string field)
    {
        Read(ref reader, source, where);
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out double value) || !double.IsFinite(value))
            throw new InvalidDataException($"{source}: {where}: \"{field}\" must be a finite number (found {Describe(ref reader)}).");
        return value;
    }

    private static void ReadBox(ref Utf8JsonReader reader, string source, Place where, scoped Span<double> box)
    {
        Read(ref reader, source, where);
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new InvalidDataException($"{source}: {where}: \"bbox\" must be [x, y, w, h] (found {Describe(ref reader)}).");
        int n = 0;
        while (Read(ref reader, source, where) && reader.TokenType != JsonTokenType.EndArray)
        {
            if (n == 4 || reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out double v) || !double.IsFinite(v))
                throw new InvalidDataException($"{source}: {where}: \"bbox\" must be [x, y, w, h], four finite numbers.");
            box[n++] = v;
        }
        if (n != 4)
            throw new InvalidDataException($"{source}: {where}: \"bbox\" must be [x, y, w, h], four finite numbers (found {n}).");
    }

    private static string Describe(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Number or JsonTokenType.String => $"{reader.TokenType.ToString().ToLowerInvariant()} {System.Text.Encoding.UTF8.GetString(reader.ValueSpan)}",
        var t => t.ToString(),
    };

    /// <summary>An append-only array, so a file's values land in one array each without a list of objects.</summary>
    private sealed class Growing<T>
    {
        private T[] _items = new T[256];

        public int Count { get; private set; }

        public void Add(T value)
        {
            if (Count == _items.Length)
                Array.Resize(ref _items, _items.Length * 2);
            _items[Count++] = value;
        }

        public void AddRange(ReadOnlySpan<T> values)
        {
            foreach (var v in values)
                Add(v);
        }

        public T[] ToArray() => _items.AsSpan(0, Count).ToArray();
    }
}
