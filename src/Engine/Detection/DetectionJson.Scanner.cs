using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Engine.Detection;

public static partial class DetectionJson
{
    /// <summary>
    /// Reads a box file in the form Engine and its peers write, straight from its bytes; null ("not handled") for
    /// anything else, which the caller then reads with <see cref="ReadWithJsonReader"/>.
    /// </summary>
    /// <remarks>
    /// The form: a JSON array of images or images separated by whitespace (JSON Lines); an image has
    /// <c>"models"</c> and at most one <c>"weights"</c>, a model exactly <c>"boxes"</c>, <c>"scores"</c> and
    /// <c>"labels"</c>, each key once, in any order, written without escapes; boxes of four numbers; whitespace
    /// (space, tab, CR, LF) anywhere JSON allows it. Numbers follow the JSON grammar and are read exactly as
    /// <see cref="Number"/> reads them. Everything the general reader would refuse (a number out of range, a weight
    /// not positive, a label not an integer, lengths that differ, malformed JSON) and everything outside the form
    /// (comments, escapes, unknown or repeated keys, null weights, non-ASCII bytes) is "not handled", so an accepted
    /// file gives exactly the general reader's images, and a refused one its messages. Nothing is allocated per box.
    /// </remarks>
    /// <param name="utf8">The file's bytes.</param>
    /// <param name="isArray">True when the input was a JSON array; meaningful only when the result is not null.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static List<ImagePredictions>? TryScan(ReadOnlySpan<byte> utf8, out bool isArray)
    {
        var scanner = new Scanner(utf8);
        var buffers = new Buffers();
        var images = new List<ImagePredictions>();
        scanner.SkipWhitespace();
        isArray = scanner.Current == (byte)'[';
        if (isArray)
        {
            scanner.Advance();
            if (!scanner.TryTake((byte)']'))
            {
                do
                {
                    if (!scanner.TryImage(buffers, out var image))
                        return null;
                    images.Add(image);
                }
                while (scanner.TryTake((byte)','));
                if (!scanner.TryTake((byte)']'))
                    return null;
            }
            scanner.SkipWhitespace();
        }
        else
        {
            // Images one after another need whitespace between them; the general reader's rules for values that
            // touch are its own business.
            do
            {
                if (!scanner.TryImage(buffers, out var image))
                    return null;
                images.Add(image);
            }
            while (scanner.SkipWhitespace() > 0 && !scanner.AtEnd);
        }
        return scanner.AtEnd ? images : null;
    }

    /// <summary>A cursor over the bytes of a box file and the parts of the form <see cref="TryScan"/> reads; each Try… is false on anything outside it.</summary>
    /// <remarks>
    /// The loops are compiled optimized at their first call (AggressiveOptimization): a process reads its file once,
    /// and tiered compilation would run most of it through unoptimized code first. On wbf.py's 24 MB file, one core,
    /// with TieredPGO off as the CLI runs: a first read 0.15 s CPU with it, 0.23–0.25 s without; later reads 0.06 s
    /// either way (docs/performance.md).
    /// </remarks>
    private ref struct Scanner(ReadOnlySpan<byte> utf8)
    {
        private readonly ReadOnlySpan<byte> _utf8 = utf8;
        private int _at;

        public readonly bool AtEnd => _at >= _utf8.Length;

        /// <summary>The byte at the cursor; 0 past the end, which no part of the form accepts (nor a 0 byte in the file).</summary>
        public readonly byte Current
        {
            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            get => ByteAt(_utf8, _at);
        }

        public void Advance() => _at++;

        /// <summary>Skips JSON whitespace; how many bytes it skipped.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int SkipWhitespace()
        {
            int from = _at;
            while (Current is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
                _at++;
            return _at - from;
        }

        /// <summary>Skips whitespace and takes <paramref name="expected"/> if it comes next.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool TryTake(byte expected)
        {
            // Compact files have no whitespace: try the byte itself first.
            if (Current == expected)
            {
                _at++;
                return true;
            }
            SkipWhitespace();
            if (Current != expected)
                return false;
            _at++;
            return true;
        }

        /// <summary>
        /// Skips whitespace and takes <paramref name="quotedKey"/> (with its quotes) and the colon after it if they
        /// come next; otherwise leaves the cursor where it was, so that the next key can be tried there.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private bool TryTakeKey(ReadOnlySpan<byte> quotedKey)
        {
            SkipWhitespace();
            int from = _at;
            if (_utf8[_at..].StartsWith(quotedKey))
            {
                _at += quotedKey.Length;
                if (TryTake((byte)':'))
                    return true;
            }
            _at = from;
            return false;
        }

        /// <summary>Reads one image object.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool TryImage(Buffers buffers, out ImagePredictions image)
        {
            image = null!;
            if (!TryTake((byte)'{'))
                return false;
            List<ModelPredictions>? models = null;
            double[]? weights = null;
            do
            {
                if (models is null && TryTakeKey("\"models\""u8))
                {
                    if (!TryModels(buffers, out models))
                        return false;
                }
                else if (weights is null && TryTakeKey("\"weights\""u8))
                {
                    if (!TryNumbers(buffers.Weights))
                        return false;
                    weights = buffers.Weights.Span.ToArray();
                    foreach (double weight in weights)
                    {
                        if (!(weight > 0))
                            return false;
                    }
                }
                else
                {
                    return false;
                }
            }
            while (TryTake((byte)','));
            if (models is null || !TryTake((byte)'}'))
                return false;
            image = new ImagePredictions(models, weights);
            return true;
        }

        /// <summary>Reads the array of model objects.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private bool TryModels(Buffers buffers, out List<ModelPredictions> models)
        {
            models = [];
            if (!TryTake((byte)'['))
                return false;
            if (TryTake((byte)']'))
                return true;
            do
            {
                if (!TryModel(buffers, out var model))
                    return false;
                models.Add(model);
            }
            while (TryTake((byte)','));
            return TryTake((byte)']');
        }

        /// <summary>Reads one model object into one array per field, checked as <see cref="ReadModel"/> checks them.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private bool TryModel(Buffers buffers, out ModelPredictions model)
        {
            model = null!;
            if (!TryTake((byte)'{'))
                return false;
            bool hasBoxes = false, hasScores = false, hasLabels = false;
            do
            {
                bool read;
                if (!hasBoxes && TryTakeKey("\"boxes\""u8))
                    read = hasBoxes = TryBoxes(buffers.Boxes);
                else if (!hasScores && TryTakeKey("\"scores\""u8))
                    read = hasScores = TryNumbers(buffers.Scores);
                else if (!hasLabels && TryTakeKey("\"labels\""u8))
                    read = hasLabels = TryNumbers(buffers.Labels);
                else
                    read = false;
                if (!read)
                    return false;
            }
            while (TryTake((byte)','));
            if (!hasBoxes || !hasScores || !hasLabels || !TryTake((byte)'}'))
                return false;
            int boxCount = buffers.Boxes.Count / 4;
            var labelValues = buffers.Labels.Span;
            if (buffers.Scores.Count != boxCount || labelValues.Length != boxCount)
                return false;
            var labels = new int[boxCount];
            for (int i = 0; i < labels.Length; i++)
            {
                double l = labelValues[i];
                if (l != Math.Floor(l) || l < int.MinValue || l > int.MaxValue)
                    return false;
                labels[i] = (int)l;
            }
            model = new ModelPredictions(buffers.Boxes.Span.ToArray(), buffers.Scores.Span.ToArray(), labels);
            return true;
        }

        /// <summary>Reads an array of numbers into <paramref name="values"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private bool TryNumbers(Values values) => TryArray(values, boxes: false);

        /// <summary>Reads an array of [x1, y1, x2, y2] into <paramref name="values"/>, four a box.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private bool TryBoxes(Values values) => TryArray(values, boxes: true);

        /// <summary>The one array walk: elements are numbers, or boxes of four numbers.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private bool TryArray(Values values, bool boxes)
        {
            values.Clear();
            if (!TryTake((byte)'['))
                return false;
            if (TryTake((byte)']'))
                return true;
            do
            {
                if (!(boxes ? TryBox(values) : TryNumberInto(values)))
                    return false;
            }
            while (TryTake((byte)','));
            return TryTake((byte)']');
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private bool TryNumberInto(Values values)
        {
            if (!TryNumber(out double value))
                return false;
            values.Add(value);
            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private bool TryBox(Values values)
        {
            if (!TryTake((byte)'[')
                || !TryNumber(out double x1) || !TryTake((byte)',')
                || !TryNumber(out double y1) || !TryTake((byte)',')
                || !TryNumber(out double x2) || !TryTake((byte)',')
                || !TryNumber(out double y2) || !TryTake((byte)']'))
                return false;
            values.Add(x1);
            values.Add(y1);
            values.Add(x2);
            values.Add(y2);
            return true;
        }

        /// <summary>
        /// Reads a number of the JSON grammar, <c>-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?</c>, if it is finite
        /// and at most <see cref="MaxMagnitude"/>: by <see cref="TryExactValue"/> in one pass when it can, otherwise by
        /// <see cref="Utf8JsonReader.TryGetDouble"/>, as <see cref="Number"/> does. What follows the number is the
        /// caller's to check.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private bool TryNumber(out double value)
        {
            SkipWhitespace();
            int end = ScanNumber(_utf8, _at, out value);
            if (end < 0)
                return false;
            _at = end;
            return Math.Abs(value) <= MaxMagnitude;
        }

        /// <summary>The end of the number at <paramref name="start"/> and its value; -1 when no number of the grammar starts there or the general parser refuses it.</summary>
        /// <remarks>Static, on locals: the cursor stays in a register through the digit loops.</remarks>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static int ScanNumber(ReadOnlySpan<byte> utf8, int start, out double value)
        {
            value = 0;
            int at = start;
            bool negative = ByteAt(utf8, at) == (byte)'-';
            if (negative)
                at++;
            uint digit = (uint)(ByteAt(utf8, at) - '0');
            if (digit > 9)
                return -1;
            at++;
            // Past 2^53 the digits stop being exact (and may wrap): such a number goes to the general parser.
            ulong digits = digit;
            bool exact = true;
            if (digit != 0)
            {
                while ((digit = (uint)(ByteAt(utf8, at) - '0')) <= 9)
                {
                    digits = digits * 10 + digit;
                    exact &= digits <= MaxExactInteger;
                    at++;
                }
            }
            int exponent = 0;
            if (ByteAt(utf8, at) == (byte)'.')
            {
                at++;
                if ((uint)(ByteAt(utf8, at) - '0') > 9)
                    return -1;
                int fractionStart = at;
                while ((digit = (uint)(ByteAt(utf8, at) - '0')) <= 9)
                {
                    digits = digits * 10 + digit;
                    exact &= digits <= MaxExactInteger;
                    at++;
                }
                exponent = fractionStart - at;
            }
            if (ByteAt(utf8, at) is (byte)'e' or (byte)'E')
            {
                at++;
                bool negativeExponent = ByteAt(utf8, at) == (byte)'-';
                if (ByteAt(utf8, at) is (byte)'-' or (byte)'+')
                    at++;
                if ((uint)(ByteAt(utf8, at) - '0') > 9)
                    return -1;
                int written = 0;
                while ((digit = (uint)(ByteAt(utf8, at) - '0')) <= 9)
                {
                    // Beyond 10^6 the exponent is out of every double's range; stop before an int overflows.
                    if (written < 1_000_000)
                        written = written * 10 + (int)digit;
                    at++;
                }
                exponent += negativeExponent ? -written : written;
            }
            if (!(exact && TryExactValue(digits, exponent, negative, out value)) && !TryParseWithJsonReader(utf8[start..at], out value))
                return -1;
            return at;
        }

        /// <summary>The byte at <paramref name="at"/>; 0 past the end.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static byte ByteAt(ReadOnlySpan<byte> utf8, int at) => (uint)at < (uint)utf8.Length ? utf8[at] : (byte)0;

        /// <summary><see cref="Utf8JsonReader.TryGetDouble"/> on a number's text: the general reader's own parse.</summary>
        private static bool TryParseWithJsonReader(ReadOnlySpan<byte> number, out double value)
        {
            value = 0;
            var reader = new Utf8JsonReader(number);
            return reader.Read() && reader.TokenType == JsonTokenType.Number && reader.TryGetDouble(out value);
        }
    }
}
