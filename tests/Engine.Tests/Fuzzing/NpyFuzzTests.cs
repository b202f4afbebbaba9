using System.Buffers.Binary;
using System.Text;
using Engine.IO;

namespace Engine.Tests.Fuzzing;

/// <summary>
/// Mutated .npy files through <see cref="NpyFile"/>: a clean error naming the file, or exactly the values numpy
/// would read (<see cref="NpyReference"/>).
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class NpyFuzzTests
{
    private const int Seed = 0x4E505931;

    [Fact]
    public void Fuzz_npy_reader()
    {
        using var campaign = new FuzzCampaign("npy", Seed, ".npy");
        var seeds = Seeds(campaign.Folder);
        campaign.Run(FuzzSettings.NpyIterations, seeds, Check, HeaderMutations, Huge);
        campaign.AssertClean();
    }

    [Fact]
    public void Fuzz_npy_seeds_pass_unmutated()
    {
        // The oracle agrees with the reader on every valid seed: a failure above is the mutation's doing.
        using var folder = new TempFolder();
        foreach (var seed in Seeds(folder.Path))
        {
            string path = Path.Combine(folder.Path, "unmutated-" + seed.Name);
            File.WriteAllBytes(path, seed.Bytes);
            Assert.Empty(Check(path, new Mutant(seed.Bytes, "none")));
        }
    }

    internal static List<FuzzSeed> Seeds(string folder)
    {
        var seeds = new List<FuzzSeed>();
        void Add(string name, Action<string> write)
        {
            string path = Path.Combine(folder, name);
            write(path);
            var bytes = File.ReadAllBytes(path);
            seeds.Add(new FuzzSeed(name, bytes, Fields(bytes)));
        }
        Add("f4_3x4.npy", p => NpyFile.Write(p, Enumerable.Range(0, 12).Select(i => i * 0.25f - 1).ToArray(), [3, 4]));
        Add("f8_2x3.npy", p => NpyFile.Write(p, [1.5, -2, double.Epsilon, 1e300, 0, 7], [2, 3]));
        Add("i4_7.npy", p => NpyFile.Write(p, [1, -2, 3, int.MaxValue, int.MinValue, 0, 42], [7]));
        Add("i8_2x2.npy", p => NpyFile.Write(p, [1L, -2, 1L << 60, 5], [2, 2]));
        Add("u1_4x5.npy", p => NpyFile.Write(p, Enumerable.Range(0, 20).Select(i => (byte)(i * 13)).ToArray(), [4, 5]));
        Add("f4_scalar.npy", p => NpyFile.Write(p, [3.5f], []));
        foreach (string name in new[] { "npy_f2_2x5.npy", "npy_b1_4x5.npy", "npy_u2_3x3.npy", "npy_f4_v2.npy", "npy_f4_v3.npy" })
        {
            var bytes = File.ReadAllBytes(TestData.PathOf("io", name));
            seeds.Add(new FuzzSeed(name, bytes, Fields(bytes)));
        }
        return seeds;
    }

    private static List<Field> Fields(byte[] b) =>
    [
        new(6, 1, "major version"),
        new(7, 1, "minor version"),
        b[6] == 1 ? new(8, 2, "header length") : new(8, 4, "header length"),
    ];

    private static IEnumerable<Finding> Check(string path, Mutant input)
    {
        var (reference, rejection) = NpyReference.Decode(input.Bytes);
        NpyArray<double> array;
        try
        {
            array = NpyFile.ReadFloat64(path);
        }
        catch (Exception e)
        {
            return FuzzProperty.CleanError(e, path);
        }
        if (reference is null)
            return [new Finding("accepted, but numpy rejects it", rejection!)];
        if (reference.Fortran)
            return [new Finding("accepted with wrong values", "read a Fortran-order array as C order")];
        if (!array.Shape.SequenceEqual(reference.Shape))
            return [new Finding("accepted with wrong values", $"shape ({string.Join(", ", array.Shape)}), numpy reads ({string.Join(", ", reference.Shape)})")];
        var difference = FuzzProperty.FirstDifference<double>(array.Data, reference.Values, "data");
        return difference is null ? [] : [difference];
    }

    /// <summary>The header text and data of a file made by numpy or <see cref="NpyFile"/>; null when the seed is already broken.</summary>
    private static (byte Major, string Text, byte[] Data)? Split(byte[] b)
    {
        if (b.Length < 12 || b[6] is < 1 or > 3)
            return null;
        int lengthBytes = b[6] == 1 ? 2 : 4;
        long length = lengthBytes == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(8)) : BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(8));
        if (8 + lengthBytes + length > b.Length)
            return null;
        int start = 8 + lengthBytes;
        return (b[6], Encoding.Latin1.GetString(b, start, (int)length), b[(start + (int)length)..]);
    }

    private static byte[] Join(byte major, string text, byte[] data)
    {
        var header = Encoding.Latin1.GetBytes(text);
        int lengthBytes = major == 1 ? 2 : 4;
        var file = new byte[8 + lengthBytes + header.Length + data.Length];
        file[0] = 0x93;
        "NUMPY"u8.CopyTo(file.AsSpan(1));
        file[6] = major;
        if (lengthBytes == 2)
            BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(8), (ushort)header.Length);
        else
            BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(8), (uint)header.Length);
        header.CopyTo(file, 8 + lengthBytes);
        data.CopyTo(file, 8 + lengthBytes + header.Length);
        return file;
    }

    private static Mutant? EditHeader(byte[] b, string what, Func<string, string?> edit)
    {
        if (Split(b) is not var (major, text, data))
            return null;
        string? changed = edit(text);
        return changed is null || changed == text ? null : new Mutant(Join(major, changed, data), $"header: {what}");
    }

    private static readonly string[] Descrs = ["<f4", "<f8", "<i4", "<i8", "|u1", "|b1", "<u2", "<f2", ">f4", ">u2", "=f4", "|f4", "f4", "<u1", ">u1", "<i2", "<f16", "<c8", "O", "<U4", "float32", "<f", "", "<F4"];
    private static readonly string[] Dims = ["0", "1", "2", "3", "5", "12", "-1", "-12", "2147483647", "2147483648", "100000", "4294967296", "99999999999999999999", "3L", "0x3", "3.0", "1_2", "03", "True", "None", "'3'"];

    private static readonly IReadOnlyList<Func<byte[], Random, Mutant?>> HeaderMutations =
    [
        // numpy keeps the last of a repeated key; a reader that takes the first disagrees silently.
        (b, r) => EditHeader(b, "repeated 'shape' key", t => t.Replace("'shape':", $"'shape': ({Dims[r.Next(Dims.Length)]},), 'shape':")),
        (b, r) => EditHeader(b, "repeated 'descr' key", t => t.Replace("'descr':", $"'descr': '{Descrs[r.Next(Descrs.Length)]}', 'descr':")),
        (b, r) => EditHeader(b, "repeated 'fortran_order' key", t => t.Replace("'fortran_order':", "'fortran_order': True, 'fortran_order':")),
        (b, r) => EditHeader(b, "shape edited", t => ReplaceShape(t, r)),
        (b, r) => EditHeader(b, "descr edited", t => ReplaceValue(t, "'descr': ", $"'{Descrs[r.Next(Descrs.Length)]}'")),
        (b, r) => EditHeader(b, "fortran_order edited", t => ReplaceValue(t, "'fortran_order': ", new[] { "True", "1", "0", "'False'", "false", "None", "Fals" }[r.Next(7)])),
        (b, r) => EditHeader(b, "double quotes", t => t.Replace('\'', '"')),
        (b, r) => EditHeader(b, "mixed quotes", t => t.Replace("'shape'", "\"shape'")),
        (b, r) => EditHeader(b, "extra key", t => t.Replace("{", "{'extra': 1, ")),
        (b, r) => EditHeader(b, "key removed", t => t.Replace(new[] { "'descr'", "'shape'", "'fortran_order'" }[r.Next(3)], "'other'")),
        (b, r) => EditHeader(b, "closing brace removed", t => t.Replace("}", " ")),
        (b, r) => EditHeader(b, "text after the dict", t => t.TrimEnd() + new[] { " x", " {}", ",", " }", "#c" }[r.Next(5)] + "\n"),
        (b, r) => EditHeader(b, "comment inside", t => t.Replace(", 'shape'", ", # note\n'shape'")),
        (b, r) => EditHeader(b, "shape in a list", t => t.Replace("'shape': (", "'shape': [").Replace("), }", "], }")),
        (b, r) => EditHeader(b, "key as a substring of another", t => t.Replace("{", "{'xshape': (9,), ")),
        (b, r) => EditHeader(b, "a NUL byte", t => t.Insert(r.Next(t.Length), "\0")),
        (b, r) => EditHeader(b, "header padded longer", t => t.TrimEnd('\n') + new string(' ', r.Next(1, 20000)) + "\n"),
        (b, r) => EditHeader(b, "no final newline", t => t.TrimEnd('\n', ' ')),
        (b, r) => Split(b) is var (m, t, d) ? new Mutant(Join(m == 1 ? (byte)2 : (byte)1, t, d), "format version switched") : null,
        (b, r) => Split(b) is var (m, t, d) ? new Mutant(Join(m, t, d[..(d.Length - Math.Min(d.Length, 1 + r.Next(8)))]), "data cut short") : null,
        (b, r) => Split(b) is var (m, t, d) ? new Mutant(Join(m, t, [.. d, .. new byte[1 + r.Next(16)]]), "data followed by extra bytes") : null,
    ];

    private static string? ReplaceShape(string text, Random r)
    {
        int at = text.IndexOf("'shape': (", StringComparison.Ordinal);
        if (at < 0)
            return null;
        int end = text.IndexOf(')', at);
        int n = 1 + r.Next(3);
        string dims = string.Join(", ", Enumerable.Range(0, n).Select(_ => Dims[r.Next(Dims.Length)]));
        return text[..(at + 10)] + dims + (n == 1 && r.Next(2) == 0 ? "," : "") + text[end..];
    }

    private static string? ReplaceValue(string text, string key, string value)
    {
        int at = text.IndexOf(key, StringComparison.Ordinal);
        if (at < 0)
            return null;
        int start = at + key.Length, end = text.IndexOf(',', start);
        return end < 0 ? null : text[..start] + value + text[end..];
    }

    /// <summary>A header that declares far more data than the file holds.</summary>
    private static Mutant? Huge(FuzzSeed seed, Random r) =>
        EditHeader(seed.Bytes, "huge declared shape", t => ReplaceValue(t.Replace("'shape': ()", "'shape': (1,)"), "'shape': ",
            new[] { "(2147483647,)", "(100000, 100000)", "(2147483647, 2147483647)", "(65536, 65536, 65536)", "(1, 2147483647)" }[r.Next(5)]));
}
