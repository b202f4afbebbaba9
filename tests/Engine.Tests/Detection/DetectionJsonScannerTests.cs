using System.Globalization;
using System.Text;
using Engine.Detection;

namespace Engine.Tests.Detection;

/// <summary>
/// The box file scanner (<see cref="DetectionJson.TryScan"/>) against the general reader
/// (<see cref="DetectionJson.ReadWithJsonReader"/>): whatever the scanner reads, the general reader reads too, to the
/// same images with bit-identical doubles; whatever the general reader refuses, the scanner leaves to it.
/// </summary>
public class DetectionJsonScannerTests
{
    /// <summary>The scanner's images, or null; and the general reader's images, or its message.</summary>
    private static (List<ImagePredictions>? Scanned, bool ScannedArray, List<ImagePredictions>? Read, bool ReadArray, string? Error) BothPaths(byte[] file)
    {
        var scanned = DetectionJson.TryScan(file, out bool scannedArray);
        try
        {
            var read = DetectionJson.ReadWithJsonReader(file, "boxes.json", out bool readArray);
            return (scanned, scannedArray, read, readArray, null);
        }
        catch (InvalidDataException e)
        {
            return (scanned, scannedArray, null, false, e.Message);
        }
    }

    /// <summary>Where two lists of images first differ (doubles compared bit for bit, so -0 is not 0), or null.</summary>
    private static string? FirstDifference(List<ImagePredictions> expected, List<ImagePredictions> actual)
    {
        if (expected.Count != actual.Count)
            return $"{actual.Count} images, expected {expected.Count}";
        for (int i = 0; i < expected.Count; i++)
        {
            if (Bits(expected[i].Weights) != Bits(actual[i].Weights))
                return $"image {i}: weights [{Bits(actual[i].Weights)}], expected [{Bits(expected[i].Weights)}]";
            if (expected[i].Models.Count != actual[i].Models.Count)
                return $"image {i}: {actual[i].Models.Count} models, expected {expected[i].Models.Count}";
            for (int m = 0; m < expected[i].Models.Count; m++)
            {
                var (e, a) = (expected[i].Models[m], actual[i].Models[m]);
                if (Bits(e.Boxes) != Bits(a.Boxes) || Bits(e.Scores) != Bits(a.Scores) || !e.Labels.SequenceEqual(a.Labels))
                    return $"image {i}, model {m}: boxes [{Bits(a.Boxes)}] scores [{Bits(a.Scores)}] labels [{string.Join(",", a.Labels)}], expected [{Bits(e.Boxes)}] [{Bits(e.Scores)}] [{string.Join(",", e.Labels)}]";
            }
        }
        return null;
    }

    private static string Bits(double[]? values) =>
        values is null ? "null" : string.Join(",", values.Select(v => BitConverter.DoubleToInt64Bits(v).ToString("X16", CultureInfo.InvariantCulture)));

    /// <summary>Asserts the scanner reads <paramref name="text"/> or not as expected, and where it does, exactly as the general reader.</summary>
    private static void AssertScan(string text, bool handled)
    {
        var (scanned, scannedArray, read, readArray, error) = BothPaths(Encoding.UTF8.GetBytes(text));
        Assert.True(handled == (scanned is not null), $"scanner {(scanned is null ? "refused" : "read")} it; general reader: {error ?? "read it"}");
        if (scanned is null)
            return;
        Assert.Null(error);
        Assert.Equal(readArray, scannedArray);
        Assert.Null(FirstDifference(read!, scanned));
    }

    private const string Model = "{\"boxes\":[[0.1,0.2,0.3,0.4]],\"scores\":[0.5],\"labels\":[1]}";

    [Theory]
    [InlineData("{\"models\":[]}")]
    [InlineData("[]")]
    [InlineData(" \t[ \r\n] \n")]
    [InlineData("[{\"models\":[]},{\"models\":[" + Model + "]}]")]
    [InlineData("{\"models\":[" + Model + "]}\r\n{\"models\":[" + Model + "," + Model + "]}\r\n")]
    [InlineData("{\"models\":[]} {\"models\":[]}\t{\"models\":[]}")]
    [InlineData("{\"weights\":[2,0.5],\"models\":[{\"labels\":[1],\"scores\":[0.5],\"boxes\":[[0,0,1,1]]}]}")]
    [InlineData("{\"models\":[],\"weights\":[]}")]
    [InlineData("\r\n{ \"models\" : [ { \"boxes\" : [ [ 0 , 0 , 1 , 1 ] , [\t1\t,\t1\t,\t2\t,\t2\t] ] ,\n\"scores\" :[ 1e-1,2E-1 ] , \"labels\" : [ 0 ,0] } ] }\r\n")]
    [InlineData("{\"models\":[{\"boxes\":[],\"scores\":[],\"labels\":[]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[1e15,-1e15,1E+15,-1E15]],\"scores\":[1000000000000000.0],\"labels\":[0]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[0.1e16,100000000000000e1,1e+0015,0.000000000000000000000000000001e45]],\"scores\":[1],\"labels\":[0]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[-0,-0.0,0e-400,-0E+99999999999]],\"scores\":[-0.000],\"labels\":[-0]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[0.12345678901234567890123456789,123456789012345678901234567890e-20,9007199254740993e-10,9007199254740992e-10]],\"scores\":[0.1000000000000000055511151231257827],\"labels\":[1]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[4.9e-324,2.2250738585072014e-308,1e-23,9007199254740991e-22]],\"scores\":[1e-400],\"labels\":[3]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[0,0,1,1],[0,0,1,1]],\"scores\":[0.5,0.5],\"labels\":[2147483647,-2147483648]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[0,0,1,1],[0,0,1,1]],\"scores\":[0.5,0.5],\"labels\":[3.0,30e-1]}]}")]
    [InlineData("{\"models\"  :[]  ,  \"weights\"\t:\t[1e0]}")]
    public void Files_in_the_common_form_are_scanned_to_the_general_readers_images(string text) => AssertScan(text, handled: true);

    [Theory]
    [InlineData("")]
    [InlineData(" \n")]
    [InlineData("{}")]
    [InlineData("{\"models\":[]}{\"models\":[]}")]
    [InlineData("[{\"models\":[]}] {\"models\":[]}")]
    [InlineData("[{\"models\":[]},]")]
    [InlineData("[[{\"models\":[]}]]")]
    [InlineData("{\"mod\\u0065ls\":[]}")]
    [InlineData("{\"x\":1,\"models\":[]}")]
    [InlineData("{\"models\":[],\"models\":[]}")]
    [InlineData("{\"models\":[],\"weights\":[1],\"weights\":[1]}")]
    [InlineData("{\"models\":[{\"boxes\":[],\"scores\":[],\"labels\":[],\"labels\":[]}]}")]
    [InlineData("{\"models\"\"weights\":[1],\"models\":[]}")]
    [InlineData("{\"models\":[]/* c */}")]
    [InlineData("\uFEFF{\"models\":[]}")]
    [InlineData("{\"models\":[],\"weights\":null}")]
    [InlineData("{\"models\":[],\"é\":1}")]
    [InlineData("{\"models\":[]}\f")]
    [InlineData("{\"models\":[]}\0")]
    [InlineData("{\"models\":[],\"weights\":[0]}")]
    [InlineData("{\"models\":[],\"weights\":[-1]}")]
    [InlineData("{\"models\":[{\"boxes\":[[0,0,1,1]],\"scores\":[0.5],\"labels\":[1.5]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[0,0,1,1]],\"scores\":[0.5],\"labels\":[2147483648]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[0,0,1,1]],\"scores\":[0.5,0.6],\"labels\":[1]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[0,0,1]],\"scores\":[0.5],\"labels\":[1]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[0,0,1,1,1]],\"scores\":[0.5],\"labels\":[1]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[0,0,1,1]],\"scores\":[1.0000000000000001e15],\"labels\":[1]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[0,0,1,1]],\"scores\":[1000000000000001],\"labels\":[1]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[0,0,1,1]],\"scores\":[1e400],\"labels\":[1]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[0,0,1,1]],\"scores\":[NaN],\"labels\":[1]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[0,0,1,1]],\"scores\":[\"0.5\"],\"labels\":[1]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[01,0,1,1]],\"scores\":[0.5],\"labels\":[1]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[1.,0,1,1]],\"scores\":[0.5],\"labels\":[1]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[.5,0,1,1]],\"scores\":[0.5],\"labels\":[1]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[+1,0,1,1]],\"scores\":[0.5],\"labels\":[1]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[1e,0,1,1]],\"scores\":[0.5],\"labels\":[1]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[1e+,0,1,1]],\"scores\":[0.5],\"labels\":[1]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[-,0,1,1]],\"scores\":[0.5],\"labels\":[1]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[0x10,0,1,1]],\"scores\":[0.5],\"labels\":[1]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[0.12345678901234567890.5,0,1,1]],\"scores\":[0.5],\"labels\":[1]}]}")]
    [InlineData("{\"models\":[{\"boxes\":[[0,0,1,1]],\"scores\":[0.5],\"labels\":[1]}]")]
    public void Anything_outside_the_common_form_or_in_error_is_left_to_the_general_reader(string text) => AssertScan(text, handled: false);

    [Fact]
    public void Random_files_are_scanned_to_the_general_readers_images_bit_for_bit()
    {
        var random = new Random(20261205);
        for (int f = 0; f < 60; f++)
        {
            string text = RandomFile(random, images: random.Next(1, 12), asArray: f % 3 == 0);
            var (scanned, scannedArray, read, readArray, error) = BothPaths(Encoding.UTF8.GetBytes(text));
            Assert.True(error is null, error);
            Assert.True(scanned is not null, $"file {f} was not scanned:\n{text}");
            Assert.Equal(readArray, scannedArray);
            Assert.True(FirstDifference(read!, scanned) is null, $"file {f}: {FirstDifference(read!, scanned)}\n{text}");
        }
    }

    [Fact]
    public void Mutated_files_are_scanned_only_when_the_general_reader_reads_them_and_then_alike()
    {
        var random = new Random(0x5CA4);
        var seeds = new[] { RandomFile(random, 3, asArray: true), RandomFile(random, 3, asArray: false), RandomFile(random, 2, asArray: false, compact: true) }
            .Select(Encoding.UTF8.GetBytes).ToArray();
        int scannedCount = 0, readCount = 0;
        for (int i = 0; i < 3_000; i++)
        {
            byte[] mutant = Mutate(seeds[i % seeds.Length], random);
            var (scanned, scannedArray, read, readArray, error) = BothPaths(mutant);
            string Shown() => $"mutant {i}: {Encoding.UTF8.GetString(mutant)}";
            if (error is null)
                readCount++;
            if (scanned is not null)
            {
                scannedCount++;
                Assert.True(error is null, $"scanned what the general reader refuses ({error}); {Shown()}");
                Assert.Equal(readArray, scannedArray);
                Assert.True(FirstDifference(read!, scanned) is null, $"{FirstDifference(read!, scanned)}; {Shown()}");
            }
        }
        // The mutations keep many files valid (a digit for a digit, whitespace for whitespace) and break many: both
        // verdicts are exercised.
        Assert.InRange(scannedCount, 300, readCount);
        Assert.InRange(readCount, scannedCount, 2_700);
    }

    /// <summary>One to three byte edits: a byte replaced (by one of the same kind or any), inserted or deleted, or a slice repeated.</summary>
    private static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = new List<byte>(seed);
        for (int edits = random.Next(1, 4); edits > 0; edits--)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0:
                case 1:
                    bytes[at] = SameKind(bytes[at], random);
                    break;
                case 2:
                    bytes[at] = Interesting[random.Next(Interesting.Length)];
                    break;
                case 3:
                    bytes.Insert(at, Interesting[random.Next(Interesting.Length)]);
                    break;
                case 4:
                    bytes.RemoveAt(at);
                    break;
                default:
                    int length = random.Next(1, Math.Min(40, bytes.Count - at) + 1);
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
            }
        }
        return [.. bytes];
    }

    private static readonly byte[] Interesting = [.. "0123456789-+.eE ,:[]{}\"\t\r\n\\/a"u8, 0x00, 0x0C, 0x80, 0xC3, 0xFF];

    private static byte SameKind(byte b, Random random) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => (byte)('0' + random.Next(10)),
        (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' => " \t\r\n"u8[random.Next(4)],
        _ => (byte)random.Next(256),
    };

    /// <summary>
    /// A valid box file: keys in random order, whitespace of every JSON kind between tokens (none when
    /// <paramref name="compact"/>), and numbers in many spellings within ±10^15: wbf.py's 6 decimals, 17-digit
    /// round trips, exponents, -0, the 10^15 limit, mantissas past 2^53, and values below 10^-22.
    /// </summary>
    private static string RandomFile(Random random, int images, bool asArray, bool compact = false)
    {
        var text = new StringBuilder();
        string Space() => compact ? "" : random.Next(4) switch { 0 => " ", 1 => "\t", 2 => "\r\n", _ => "" };
        string List(IEnumerable<string> items) => "[" + Space() + string.Join(Space() + "," + Space(), items) + Space() + "]";
        string Member(string key, string value) => "\"" + key + "\"" + Space() + ":" + Space() + value;
        string Object(IEnumerable<string> members) => "{" + Space() + string.Join(Space() + "," + Space(), members.OrderBy(_ => random.Next())) + Space() + "}";
        if (asArray)
            text.Append('[').Append(Space());
        for (int i = 0; i < images; i++)
        {
            int modelCount = random.Next(0, 4);
            var models = Enumerable.Range(0, modelCount).Select(_ =>
            {
                int boxes = random.Next(0, 6);
                return Object([
                    Member("boxes", List(Enumerable.Range(0, boxes).Select(_ => List(Enumerable.Range(0, 4).Select(_ => RandomNumber(random)))))),
                    Member("scores", List(Enumerable.Range(0, boxes).Select(_ => RandomNumber(random)))),
                    Member("labels", List(Enumerable.Range(0, boxes).Select(_ => RandomLabel(random)))),
                ]);
            }).ToList();
            var members = new List<string> { Member("models", List(models)) };
            if (random.Next(2) == 0)
                members.Add(Member("weights", List(Enumerable.Range(0, modelCount).Select(_ => RandomWeight(random)))));
            if (i > 0)
                text.Append(asArray ? Space() + "," + Space() : compact ? "\n" : random.Next(3) switch { 0 => "\n", 1 => "\r\n", _ => " \n\t" });
            text.Append(Object(members));
        }
        if (asArray)
            text.Append(Space()).Append(']');
        return text.Append(random.Next(2) == 0 ? "\n" : "").ToString();
    }

    private static readonly string[] EdgeNumbers =
    [
        "-0", "-0.0", "0", "0.0", "1e15", "-1e15", "1E+15", "0.1e16", "1000000000000000", "999999999999999.9",
        "9007199254740993e-10", "0.12345678901234567890123", "123456789012345678901234567890e-20",
        "0.000000000000000000000000001", "4.9e-324", "2.2250738585072014e-308", "1e-23", "5e-0", "1e+0005",
    ];

    private static string RandomNumber(Random random)
    {
        double v = random.NextDouble() * (random.Next(2) == 0 ? 1 : -1);
        return random.Next(5) switch
        {
            0 => EdgeNumbers[random.Next(EdgeNumbers.Length)],
            1 => v.ToString("R", CultureInfo.InvariantCulture),
            2 => (v * Math.Pow(10, random.Next(-30, 16))).ToString("E" + random.Next(0, 20), CultureInfo.InvariantCulture).Replace("E+0", "e").Replace("E-0", "E-"),
            _ => Math.Round(v, 6).ToString("R", CultureInfo.InvariantCulture),
        };
    }

    private static string RandomWeight(Random random)
    {
        string weight = RandomNumber(random).TrimStart('-');
        return double.Parse(weight, CultureInfo.InvariantCulture) > 0 ? weight : "1";
    }

    private static string RandomLabel(Random random) => random.Next(6) switch
    {
        0 => "-0",
        1 => "3.0",
        2 => "30e-1",
        3 => random.Next(2) == 0 ? "2147483647" : "-2147483648",
        _ => random.Next(100).ToString(CultureInfo.InvariantCulture),
    };
}
