using System.Buffers;
using System.Buffers.Text;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Engine.IO;

namespace Engine.Detection;

/// <summary>
/// Reads and writes detections as JSON, one object per image:
/// <c>{"models":[{"boxes":[[x1,y1,x2,y2],…],"scores":[…],"labels":[…]}],"weights":[…]}</c> in, and
/// <c>{"boxes":…,"scores":…,"labels":…}</c> out; a file holds a JSON array of them or JSON Lines.
/// </summary>
public static partial class DetectionJson
{
    /// <summary>
    /// The largest magnitude a coordinate, score or weight may have (10^15): far beyond any confidence or pixel
    /// coordinate, and small enough that what fusion forms stays finite. Like ensemble-boxes, fusion keeps
    /// weighted scores and the running sums of score × weight × coordinate (coordinates clipped to [0, 1]) in
    /// float32, whose largest value is 3.4e38: 10^15 × 10^15 × 2^24 boxes ≈ 1.7e37 stays below it.
    /// </summary>
    public const double MaxMagnitude = 1e15;

    private static readonly JsonReaderOptions ReaderOptions = new() { AllowMultipleValues = true, CommentHandling = JsonCommentHandling.Skip };

    /// <summary>Reads every image of a JSON array or a sequence of JSON objects (JSON Lines).</summary>
    /// <remarks>
    /// A file in the form Engine and its peers write is read by <see cref="TryScan"/> straight from its bytes; any
    /// other (and any file with an error) by one forward pass of a <see cref="Utf8JsonReader"/>
    /// (<see cref="ReadWithJsonReader"/>), which gives the same images where both read a file and is the one that
    /// forms messages. Either way values go into reused buffers and then into one array per model and field, so
    /// nothing is allocated per box. A repeated key keeps its last value, as Python's json does. A sequence of
    /// objects of more than <see cref="ParallelMinBytes"/> is read in pieces split at line ends, on every core
    /// (<see cref="ReadInPieces"/>).
    /// </remarks>
    /// <param name="utf8">The file's bytes.</param>
    /// <param name="source">The file's name, for messages.</param>
    /// <param name="isArray">True when the input was a JSON array (the output should be one too).</param>
    /// <exception cref="InvalidDataException">The file is not UTF-8, the JSON is malformed, or an image does not have the expected shape; the message names the image and model.</exception>
    public static List<ImagePredictions> Read(ReadOnlySpan<byte> utf8, string source, out bool isArray)
    {
        isArray = false;
        if (utf8.Length >= ParallelMinBytes && Environment.ProcessorCount > 1 && FirstToken(utf8) == (byte)'{')
        {
            unsafe
            {
                fixed (byte* start = utf8)
                {
                    if (ReadInPieces(start, utf8.Length, source) is { } images)
                        return images;
                }
            }
        }
        return TryScan(utf8, out isArray) ?? ReadWithJsonReader(utf8, source, out isArray);
    }

    /// <summary>Reads any file <see cref="Read"/> accepts with one pass of a <see cref="Utf8JsonReader"/>, and refuses every other with its message.</summary>
    internal static List<ImagePredictions> ReadWithJsonReader(ReadOnlySpan<byte> utf8, string source, out bool isArray)
    {
        RequireUtf8(utf8, source);
        return ReadValues(utf8, source, out isArray);
    }

    /// <summary>Inputs at least this long are read on every core; below it a thread's start costs more than it saves.</summary>
    internal const int ParallelMinBytes = 1 << 20;

    /// <summary>The first byte that is not JSON whitespace, or 0.</summary>
    private static byte FirstToken(ReadOnlySpan<byte> utf8)
    {
        int at = utf8.IndexOfAnyExcept(" \t\r\n"u8);
        return at < 0 ? (byte)0 : utf8[at];
    }

    /// <summary>
    /// Reads a sequence of objects in pieces that end at line ends, a few per core, and joins the images in order;
    /// null when any piece fails, and the caller then reads the whole input in one pass for the exact message.
    /// </summary>
    /// <remarks>
    /// A piece is read as a file of its own. The first starts where the file does, outside any value; a piece
    /// that is read whole ends outside any value too (one that stops inside an object is incomplete and fails), so
    /// the next starts outside any value, and so on: when every piece is read whole, each was read exactly as the
    /// one pass would have read it, whether or not an object spans lines. Image numbers in messages would be
    /// counted per piece, which is one more reason a failure falls back to the one pass.
    /// </remarks>
    private static unsafe List<ImagePredictions>? ReadInPieces(byte* start, int length, string source)
    {
        var ends = new List<int>();
        int pieceBytes = Math.Max(ParallelMinBytes / 4, length / (4 * Environment.ProcessorCount));
        int end = 0;
        while (end < length)
        {
            int next = Math.Min(end + pieceBytes, length);
            int newline = next < length ? new ReadOnlySpan<byte>(start + next, length - next).IndexOf((byte)'\n') : -1;
            end = newline < 0 ? length : next + newline + 1;
            ends.Add(end);
        }
        var pieces = new List<ImagePredictions>?[ends.Count];
        Parallel.For(0, ends.Count, (p, loop) =>
        {
            int from = p == 0 ? 0 : ends[p - 1];
            var piece = new ReadOnlySpan<byte>(start + from, ends[p] - from);
            try
            {
                var images = TryScan(piece, out bool isArray);
                if (images is null && System.Text.Unicode.Utf8.IsValid(piece))
                    images = ReadValues(piece, source, out isArray);
                // A piece that starts with '[' would be read as an array; the one pass refuses it as an image.
                if (!isArray)
                    pieces[p] = images;
            }
            catch (Exception)
            {
                // Whatever went wrong, the one pass meets it too and reports it as it always has.
            }
            if (pieces[p] is null)
                loop.Stop();
        });
        if (pieces.Any(piece => piece is null))
            return null;
        var images = new List<ImagePredictions>(pieces.Sum(piece => piece!.Count));
        foreach (var piece in pieces)
            images.AddRange(piece!);
        return images;
    }

    /// <summary>Reads a JSON array of images or a sequence of image objects in one pass.</summary>
    private static List<ImagePredictions> ReadValues(ReadOnlySpan<byte> utf8, string source, out bool isArray)
    {
        var images = new List<ImagePredictions>();
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        var buffers = new Buffers();
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
                images.Add(ReadImage(ref reader, utf8, new Place(source, images.Count), buffers));
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
        var place = new Place(source, index);
        if (image.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{place.Image} is not a JSON object.");
        byte[] utf8 = Encoding.UTF8.GetBytes(image.GetRawText());
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        reader.Read();
        return ReadImage(ref reader, utf8, place, new Buffers());
    }

    /// <summary>Where a value is, formatted only for a message.</summary>
    private readonly record struct Place(string Source, int ImageIndex, int ModelIndex = 0)
    {
        public string Image => $"{Source}: image {ImageIndex}";

        public string Model => $"{Image}, model {ModelIndex}";
    }

    /// <summary>Values of the model being read, reused from model to model.</summary>
    private sealed class Buffers
    {
        public readonly Values Boxes = new(), Scores = new(), Labels = new(), Weights = new();
    }

    private sealed class Values
    {
        private double[] _items = new double[1024];

        public int Count { get; private set; }

        public ReadOnlySpan<double> Span => _items.AsSpan(0, Count);

        public void Clear() => Count = 0;

        // Inlined into the scanner, which is compiled optimized at its first call: a call would run this at tier 0
        // until it was promoted, after about 15 reads of a 24 MB file (each then took 2× as long).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(double value)
        {
            if (Count == _items.Length)
                Grow();
            _items[Count++] = value;
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private void Grow() => System.Array.Resize(ref _items, _items.Length * 2);
    }

    /// <summary>Reads the image object the reader is on, leaving the reader on its end.</summary>
    private static ImagePredictions ReadImage(ref Utf8JsonReader reader, ReadOnlySpan<byte> utf8, Place place, Buffers buffers)
    {
        List<ModelPredictions>? models = null;
        bool hasWeights = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("models"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                    throw new InvalidDataException($"{place.Image} has no \"models\" array.");
                models = [];
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var at = place with { ModelIndex = models.Count };
                    if (reader.TokenType != JsonTokenType.StartObject)
                        throw new InvalidDataException($"{at.Model} is not a JSON object.");
                    models.Add(ReadModel(ref reader, utf8, at, buffers));
                }
            }
            else if (reader.ValueTextEquals("weights"u8))
            {
                reader.Read();
                hasWeights = reader.TokenType != JsonTokenType.Null;
                if (!hasWeights)
                    continue;
                if (reader.TokenType != JsonTokenType.StartArray)
                    throw new InvalidDataException($"{place.Image}: \"weights\" is not an array.");
                ReadNumbers(ref reader, utf8, buffers.Weights, place, "weight");
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (models is null)
            throw new InvalidDataException($"{place.Image} has no \"models\" array.");
        double[]? weights = null;
        if (hasWeights)
        {
            weights = buffers.Weights.Span.ToArray();
            for (int m = 0; m < weights.Length; m++)
            {
                if (!(weights[m] > 0))
                    throw new InvalidDataException($"{place.Image}, weight {m} is {Text(weights[m])}; weights must be positive.");
            }
        }
        return new ImagePredictions(models, weights);
    }

    /// <summary>Reads the model object the reader is on into one array per field.</summary>
    private static ModelPredictions ReadModel(ref Utf8JsonReader reader, ReadOnlySpan<byte> utf8, Place at, Buffers buffers)
    {
        bool hasBoxes = false, hasScores = false, hasLabels = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("boxes"u8))
            {
                RequireArray(ref reader, at, "boxes");
                ReadBoxes(ref reader, utf8, buffers.Boxes, at);
                hasBoxes = true;
            }
            else if (reader.ValueTextEquals("scores"u8))
            {
                RequireArray(ref reader, at, "scores");
                ReadNumbers(ref reader, utf8, buffers.Scores, at, "score");
                hasScores = true;
            }
            else if (reader.ValueTextEquals("labels"u8))
            {
                RequireArray(ref reader, at, "labels");
                ReadNumbers(ref reader, utf8, buffers.Labels, at, "label");
                hasLabels = true;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (!hasBoxes || !hasScores || !hasLabels)
            throw new InvalidDataException($"{at.Model} has no \"{(!hasBoxes ? "boxes" : !hasScores ? "scores" : "labels")}\" array.");
        var labelValues = buffers.Labels.Span;
        var labels = new int[labelValues.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            double l = labelValues[i];
            if (l != Math.Floor(l) || l < int.MinValue || l > int.MaxValue)
                throw new InvalidDataException($"{at.Model}, label {i} is {Text(l)}; labels must be integers.");
            labels[i] = (int)l;
        }
        int boxCount = buffers.Boxes.Count / 4;
        if (buffers.Scores.Count != boxCount || labels.Length != boxCount)
            throw new InvalidDataException($"{at.Model}: {boxCount} boxes, {buffers.Scores.Count} scores and {labels.Length} labels; they must have the same length.");
        return new ModelPredictions(buffers.Boxes.Span.ToArray(), buffers.Scores.Span.ToArray(), labels);
    }

    private static void RequireArray(ref Utf8JsonReader reader, Place at, string name)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new InvalidDataException($"{at.Model} has no \"{name}\" array.");
    }

    private static readonly string[] Corner = ["x1", "y1", "x2", "y2"];

    private static string Text(double v) => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Reads the array of [x1, y1, x2, y2] the reader is on into <paramref name="values"/>, four a box.</summary>
    /// <remarks>A box's shape is checked before its numbers, so a box of five strings is reported as a wrong shape.</remarks>
    private static void ReadBoxes(ref Utf8JsonReader reader, ReadOnlySpan<byte> utf8, Values values, Place at)
    {
        values.Clear();
        int b = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
                throw new InvalidDataException($"{at.Model}, box {b}: expected [x1, y1, x2, y2].");
            int c = 0, badCorner = -1;
            long badStart = 0, badEnd = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                long start = reader.TokenStartIndex;
                double value = c < 4 && badCorner < 0 ? Number(ref reader) : double.NaN;
                if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject)
                    reader.Skip();
                if (c < 4 && badCorner < 0)
                {
                    if (double.IsNaN(value))
                        (badCorner, badStart, badEnd) = (c, start, reader.BytesConsumed);
                    else
                        values.Add(value);
                }
                c++;
            }
            if (c != 4)
                throw new InvalidDataException($"{at.Model}, box {b}: expected [x1, y1, x2, y2].");
            if (badCorner >= 0)
                throw NumberError(utf8[(int)badStart..(int)badEnd], $"{at.Model}, box {b}, {Corner[badCorner]}");
            b++;
        }
    }

    /// <summary>Reads the array of numbers the reader is on into <paramref name="values"/>.</summary>
    private static void ReadNumbers(ref Utf8JsonReader reader, ReadOnlySpan<byte> utf8, Values values, Place at, string what)
    {
        values.Clear();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            long start = reader.TokenStartIndex;
            double value = Number(ref reader);
            if (double.IsNaN(value))
            {
                if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject)
                    reader.Skip();
                string where = what == "weight" ? $"{at.Image}, weight {values.Count}" : $"{at.Model}, {what} {values.Count}";
                throw NumberError(utf8[(int)start..(int)reader.BytesConsumed], where);
            }
            values.Add(value);
        }
    }

    /// <summary>The number the reader is on if it is finite and at most <see cref="MaxMagnitude"/>; NaN otherwise (JSON has no NaN).</summary>
    /// <remarks>Numbers of up to about 15 significant digits (a box file's, mostly) take <see cref="TryParseShortNumber"/>'s one operation.</remarks>
    private static double Number(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.Number)
            return double.NaN;
        if (!TryParseShortNumber(reader.ValueSpan, out double value) && !reader.TryGetDouble(out value))
            return double.NaN;
        return Math.Abs(value) <= MaxMagnitude ? value : double.NaN;
    }

    /// <summary>Why <paramref name="token"/> (a value's JSON text) is not a number Engine accepts, and where it is.</summary>
    /// <remarks>
    /// NaN and ±Infinity (as the strings "NaN", "Infinity", which Python's json writes bare and .NET reads quoted)
    /// and numbers beyond double's range are refused here, with the file, image, model and box, rather than
    /// later by the batch (which knows no file) or by the JSON writer (which names nothing).
    /// </remarks>
    private static InvalidDataException NumberError(ReadOnlySpan<byte> token, string at)
    {
        var reader = new Utf8JsonReader(token);
        reader.Read();
        string raw = Engine.IO.PrintableText.Escape(Encoding.UTF8.GetString(token), 60);
        if (reader.TokenType == JsonTokenType.Number)
        {
            if (!reader.TryGetDouble(out double value) || !double.IsFinite(value))
                return new InvalidDataException($"{at} is {raw}, beyond the range of a double.");
            return new InvalidDataException($"{at} is {Text(value)}; Engine accepts magnitudes up to 1e15, so that fused sums stay finite.");
        }
        if (reader.TokenType == JsonTokenType.String && reader.GetString() is "NaN" or "Infinity" or "-Infinity")
            return new InvalidDataException($"{at} is {reader.GetString()}; values must be finite numbers.");
        return new InvalidDataException($"{at} is {raw}, not a number.");
    }

    /// <summary>Writes each image's boxes as <c>{"boxes":…,"scores":…,"labels":…}</c>, as a JSON array or one object a line.</summary>
    /// <param name="output">Where to write (UTF-8).</param>
    /// <param name="result">The boxes.</param>
    /// <param name="asArray">A JSON array; otherwise JSON Lines.</param>
    /// <param name="scaleX">Multiplies x coordinates (an image width for pixel output; 1 for normalized).</param>
    /// <param name="scaleY">Multiplies y coordinates.</param>
    /// <exception cref="InvalidOperationException">A fused score or coordinate is not finite (a bug: finite inputs fuse to finite values).</exception>
    public static void Write(Stream output, DetectionResult result, bool asArray, double scaleX = 1, double scaleY = 1)
    {
        RequireFinite(result, scaleX, scaleY);
        // Runs of whole images are formatted on every core, a few runs a core at a time, each into a buffer of its
        // own, and written in order: the same bytes as one writer going image by image, with memory bounded by a
        // wave of runs rather than the whole output.
        var runStarts = RunStarts(result);
        int runCount = runStarts.Count - 1;
        var buffers = new ArrayBufferWriter<byte>[Math.Min(runCount, 4 * Environment.ProcessorCount)];
        if (asArray)
            output.Write("["u8);
        for (int firstRun = 0; firstRun < runCount; firstRun += buffers.Length)
        {
            int wave = Math.Min(buffers.Length, runCount - firstRun);
            void FormatRun(int r)
            {
                var buffer = buffers[r] ??= new ArrayBufferWriter<byte>();
                buffer.ResetWrittenCount();
                FormatImages(buffer, result, runStarts[firstRun + r], runStarts[firstRun + r + 1], asArray, scaleX, scaleY);
            }
            // On one core the pool's tasks only take turns (and its waits made one-core writes vary by 2x).
            if (Environment.ProcessorCount == 1)
            {
                for (int r = 0; r < wave; r++)
                    FormatRun(r);
            }
            else
            {
                Parallel.For(0, wave, FormatRun);
            }
            for (int r = 0; r < wave; r++)
                output.Write(buffers[r].WrittenSpan);
        }
        if (asArray)
            output.Write(result.ImageCount > 0 ? "\n]\n"u8 : "]\n"u8);
    }

    /// <summary>Boxes a run of images holds at least (its last image may take it further): about 0.8 MB of output.</summary>
    private const int RunBoxes = 16_384;

    /// <summary>The first image of each run, and the image count last.</summary>
    private static List<int> RunStarts(DetectionResult result)
    {
        var starts = new List<int> { 0 };
        int boxes = 0;
        for (int i = 0; i < result.ImageCount; i++)
        {
            boxes += result.Count(i);
            if (boxes >= RunBoxes && i + 1 < result.ImageCount)
            {
                starts.Add(i + 1);
                boxes = 0;
            }
        }
        starts.Add(result.ImageCount);
        return starts;
    }

    /// <summary>Formats images [<paramref name="first"/>, <paramref name="end"/>) with the separators that precede or follow each.</summary>
    /// <remarks>
    /// The bytes are those of <see cref="Utf8JsonWriter"/> (compact, numbers by <see cref="ShortestDouble"/>, which
    /// writes its doubles' bytes), written straight into the buffer: the writer's per-value bookkeeping cost more
    /// than the punctuation it wrote.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FormatImages(ArrayBufferWriter<byte> buffer, DetectionResult result, int first, int end, bool asArray, double scaleX, double scaleY)
    {
        for (int i = first; i < end; i++)
        {
            int count = result.Count(i);
            var text = buffer.GetSpan(ImageTextBytes + count * BoxTextBytes);
            int at = 0;
            if (asArray)
                at = Append(i > 0 ? ",\n"u8 : "\n"u8, text, at);
            at = Append("{\"boxes\":["u8, text, at);
            // Each number has MaxLength bytes reserved (BoxTextBytes), which FormatFinite may write into.
            ref byte start = ref MemoryMarshal.GetReference(text);
            var boxes = result.ImageBoxes(i);
            for (int b = 0; b < boxes.Length; b += 4)
            {
                if (b > 0)
                    Unsafe.Add(ref start, at++) = (byte)',';
                Unsafe.Add(ref start, at++) = (byte)'[';
                at += ShortestDouble.FormatFinite(boxes[b] * scaleX, ref Unsafe.Add(ref start, at));
                Unsafe.Add(ref start, at++) = (byte)',';
                at += ShortestDouble.FormatFinite(boxes[b + 1] * scaleY, ref Unsafe.Add(ref start, at));
                Unsafe.Add(ref start, at++) = (byte)',';
                at += ShortestDouble.FormatFinite(boxes[b + 2] * scaleX, ref Unsafe.Add(ref start, at));
                Unsafe.Add(ref start, at++) = (byte)',';
                at += ShortestDouble.FormatFinite(boxes[b + 3] * scaleY, ref Unsafe.Add(ref start, at));
                Unsafe.Add(ref start, at++) = (byte)']';
            }
            at = Append("],\"scores\":["u8, text, at);
            var scores = result.ImageScores(i);
            for (int s = 0; s < scores.Length; s++)
            {
                if (s > 0)
                    Unsafe.Add(ref start, at++) = (byte)',';
                at += ShortestDouble.FormatFinite(scores[s], ref Unsafe.Add(ref start, at));
            }
            at = Append("],\"labels\":["u8, text, at);
            var labels = result.ImageLabels(i);
            for (int l = 0; l < labels.Length; l++)
            {
                if (l > 0)
                    Unsafe.Add(ref start, at++) = (byte)',';
                // Class ids are mostly one digit.
                if ((uint)labels[l] < 10)
                {
                    Unsafe.Add(ref start, at++) = (byte)('0' + labels[l]);
                    continue;
                }
                Utf8Formatter.TryFormat(labels[l], text[at..], out int written);
                at += written;
            }
            at = Append(asArray ? "]}"u8 : "]}\n"u8, text, at);
            buffer.Advance(at);
        }
    }

    /// <summary>The most an image's text takes besides its boxes: separators, names and brackets.</summary>
    private const int ImageTextBytes = 64;

    /// <summary>The most a box's text takes: four coordinates, a score and a label (<c>-2147483648</c>) with their punctuation.</summary>
    private const int BoxTextBytes = 5 * (ShortestDouble.MaxLength + 1) + 2 + 12;

    private static int Append(ReadOnlySpan<byte> literal, Span<byte> text, int at)
    {
        literal.CopyTo(text[at..]);
        return at + literal.Length;
    }

    /// <summary>
    /// Finite inputs within MaxMagnitude cannot fuse to a non-finite value; a non-finite one here is a bug,
    /// reported with the image rather than as the JSON writer's complaint about infinity.
    /// </summary>
    private static void RequireFinite(DetectionResult result, double scaleX, double scaleY)
    {
        // One vectorized pass in the usual case; the image and value are looked for only when it fails. Every
        // c·scale is finite when the largest |c| times the largest |scale| is (and no c or scale is NaN).
        int boxes = result.ImageStarts[result.ImageCount];
        var scores = result.Scores.AsSpan(0, boxes);
        var coordinates = result.Boxes.AsSpan(0, 4 * boxes);
        if (boxes == 0 || (TensorPrimitives.IsFiniteAll(scores) && TensorPrimitives.IsFiniteAll(coordinates)
            && double.IsFinite(TensorPrimitives.MaxMagnitude(coordinates) * Math.Max(Math.Abs(scaleX), Math.Abs(scaleY)))))
            return;
        for (int i = 0; i < result.ImageCount; i++)
            RequireFinite(result, i, scaleX, scaleY);
    }

    private static void RequireFinite(DetectionResult result, int image, double scaleX, double scaleY)
    {
        foreach (double s in result.ImageScores(image))
        {
            if (!double.IsFinite(s))
                throw new InvalidOperationException($"Image {image}: a fused score is {Text(s)}; Engine produced a non-finite value from finite inputs.");
        }
        foreach (double c in result.ImageBoxes(image))
        {
            if (!double.IsFinite(c * scaleX) || !double.IsFinite(c * scaleY))
                throw new InvalidOperationException($"Image {image}: a fused coordinate is {Text(c)} (× {Text(scaleX)}, {Text(scaleY)}); Engine produced a non-finite value from finite inputs.");
        }
    }
}
