using Engine.Search;

namespace Engine.Tests.Search;

/// <summary>
/// Issue 12: CosineIndex files that are truncated, altered or claim absurd sizes are refused with a message naming
/// the file and the field, before anything is allocated from their header. The files under tests/data/hostile/index
/// are made by <see cref="Regenerate"/> (set ENGINE_REGENERATE_HOSTILE=1 and run it) from <see cref="Valid"/>;
/// valid-v1.index and valid-v2.index also pin both format versions as golden files.
/// </summary>
public sealed class CosineIndexFileTests
{
    /// <summary>A small index, the same bytes on every machine: 10 normalized rows of 4 small integers (sums of their squares are exact), with ids.</summary>
    private static CosineIndex Valid()
    {
        var index = new CosineIndex(4, normalize: true);
        index.Add(Enumerable.Range(0, 40).Select(i => (float)(i * 7 % 11 - 5)).ToArray(), Enumerable.Range(0, 10).Select(i => 100L + i).ToArray());
        return index;
    }

    private static readonly float[] Query = [1, 0.5f, 0, -0.25f];

    /// <summary>Each hostile variant of a valid version-2 file, with a phrase its error must contain.</summary>
    internal static IEnumerable<(string Name, byte[] Bytes, string Expected)> Hostile(byte[] valid)
    {
        byte[] With(Action<byte[]> change)
        {
            var copy = valid.ToArray();
            change(copy);
            return copy;
        }
        yield return ("truncated.index", valid[..(valid.Length - 7)], "truncated or corrupt");
        yield return ("header-only.index", valid[..64], "truncated or corrupt");
        yield return ("flipped-row.index", With(b => b[64 + 5] ^= 0x10), "checksum");
        yield return ("flipped-id.index", With(b => b[^3] ^= 0x01), "checksum");
        yield return ("flipped-normalize-flag.index", With(b => b[36] ^= 1), "checksum");
        yield return ("flipped-checksum.index", With(b => b[41] ^= 0x80), "checksum");
        yield return ("absurd-rows.index", With(b => BitConverter.TryWriteBytes(b.AsSpan(28), long.MaxValue)), "row count");
        yield return ("negative-rows.index", With(b => BitConverter.TryWriteBytes(b.AsSpan(28), -1L)), "row count");
        yield return ("absurd-dimension.index", With(b => BitConverter.TryWriteBytes(b.AsSpan(24), int.MaxValue)), "dimension");
        yield return ("negative-dimension.index", With(b => BitConverter.TryWriteBytes(b.AsSpan(24), -4)), "dimension");
        yield return ("rows-doubled.index", With(b => BitConverter.TryWriteBytes(b.AsSpan(28), 20L)), "truncated or corrupt");
        yield return ("unknown-flag.index", With(b => b[36] |= 8), "flags");
        yield return ("reserved-bytes.index", With(b => b[60] = 1), "reserved");
        yield return ("future-version.index", With(b => b[20] = 9), "format version 9");
        yield return ("not-an-index.index", "hello"u8.ToArray(), "not a CosineIndex file");
        yield return ("empty.index", [], "not a CosineIndex file");
        // AFL++ findings: a version-1 file (no checksum) whose row holds NaN, or whose identities hold a negative
        // label, reached Add's ArgumentException ("embeddings row 2 holds NaN …", "identities[0] is …") without
        // the file's name.
        yield return ("nan-row-v1.index", With(b =>
        {
            AsVersion1(b).CopyTo(b, 0);
            BitConverter.TryWriteBytes(b.AsSpan(64 + 2 * 16), float.NaN);
        }), "row 2 holds NaN");
        var identities = AsVersion1(valid).Concat(new byte[10 * 4]).ToArray();
        identities[36] |= 4;
        BitConverter.TryWriteBytes(identities.AsSpan(identities.Length - 40), -50331648);
        yield return ("negative-identity-v1.index", identities, "identities[0] is -50331648");
    }

    /// <summary>The version-1 layout of the same index: no checksum, version 1.</summary>
    private static byte[] AsVersion1(byte[] valid)
    {
        var copy = valid.ToArray();
        copy[20] = 1;
        copy.AsSpan(40, 8).Clear();
        return copy;
    }

    private static string Folder => TestData.PathOf("hostile", "index");

    [Fact]
    public void The_checked_in_hostile_files_are_refused_and_the_valid_ones_load()
    {
        var expected = File.ReadAllLines(Path.Combine(Folder, "expected.tsv")).Select(l => l.Split('\t')).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(Hostile(File.ReadAllBytes(Path.Combine(Folder, "valid-v2.index"))).Select(h => h.Name).Order(), expected.Keys.Order());
        foreach (var (name, phrase) in expected)
        {
            string path = Path.Combine(Folder, name);
            var e = Assert.Throws<InvalidDataException>(() => CosineIndex.Load(path));
            Assert.Contains(path, e.Message);
            Assert.Contains(phrase, e.Message);
        }
        using var reference = Valid();
        foreach (string name in new[] { "valid-v1.index", "valid-v2.index" })
        {
            using var loaded = CosineIndex.Load(Path.Combine(Folder, name));
            Assert.Equal(reference.Search(Query, 4).Ids, loaded.Search(Query, 4).Ids);
            Assert.Equal(reference.Search(Query, 4).Scores, loaded.Search(Query, 4).Scores);
        }
    }

    [Fact]
    public void The_checked_in_files_are_what_the_generator_makes()
    {
        using var folder = new TempFolder();
        using (var index = Valid())
            index.Save(folder.File("valid-v2.index"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(Folder, "valid-v2.index")), File.ReadAllBytes(folder.File("valid-v2.index")));
    }

    /// <summary>Writes tests/data/hostile/index from the generator when ENGINE_REGENERATE_HOSTILE=1; otherwise does nothing.</summary>
    [Fact]
    public void Regenerate()
    {
        if (Environment.GetEnvironmentVariable("ENGINE_REGENERATE_HOSTILE") != "1")
            return;
        string source = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(source, "Engine.sln")))
            source = Path.GetDirectoryName(source) ?? throw new InvalidOperationException("Engine.sln not found above the test assembly.");
        string folder = Path.Combine(source, "tests", "data", "hostile", "index");
        Directory.CreateDirectory(folder);
        string valid = Path.Combine(folder, "valid-v2.index");
        using (var index = Valid())
            index.Save(valid);
        var bytes = File.ReadAllBytes(valid);
        File.WriteAllBytes(Path.Combine(folder, "valid-v1.index"), AsVersion1(bytes));
        var lines = new List<string>();
        foreach (var (name, variant, phrase) in Hostile(bytes))
        {
            File.WriteAllBytes(Path.Combine(folder, name), variant);
            lines.Add($"{name}\t{phrase}");
        }
        File.WriteAllLines(Path.Combine(folder, "expected.tsv"), lines);
    }
}
