using System.Buffers.Binary;
using Engine.Search;

namespace Engine.Tests.Fuzzing;

/// <summary>Mutated index files through <see cref="CosineIndex.Load"/>: a clean error naming the file, or exactly the rows, ids and identities the bytes hold.</summary>
[Collection(FuzzCollection.Name)]
public sealed class CosineIndexFuzzTests
{
    private const int Seed = 0x434F5331;

    [Fact]
    public void Fuzz_cosine_index_files()
    {
        using var campaign = new FuzzCampaign("cosine-index", Seed, ".index");
        var seeds = new List<FuzzSeed>();
        var fields = new List<Field> { new(20, 4, "version"), new(24, 4, "dimension"), new(28, 8, "row count"), new(36, 4, "flags") };
        foreach (var (dim, rows, normalize, ids, identities) in new[] { (8, 20, true, true, true), (3, 5, false, false, false), (16, 7, false, true, false), (1, 1, true, false, true) })
        {
            using var index = new CosineIndex(dim, normalize);
            var data = Enumerable.Range(0, dim * rows).Select(i => MathF.Cos(i) + 0.1f).ToArray();
            index.Add(data, ids ? Enumerable.Range(0, rows).Select(i => 100L + 3 * i).ToArray() : default,
                identities ? Enumerable.Range(0, rows).Select(i => i % 3).ToArray() : default);
            string path = Path.Combine(campaign.Folder, $"seed_{dim}x{rows}.index");
            index.Save(path);
            seeds.Add(new FuzzSeed(Path.GetFileName(path), File.ReadAllBytes(path), fields));
        }
        campaign.Run(FuzzSettings.CosineIndexIterations, seeds, Check,
            special: (s, r) => Mutator.SetField(s.Bytes, s.Fields[r.Next(1, 3)], new long[] { int.MaxValue, 1L << 40, 8192, 8193, 1 << 28 }[r.Next(5)]));
        campaign.AssertClean();
    }

    private static IEnumerable<Finding> Check(string path, Mutant input)
    {
        CosineIndex index;
        try
        {
            index = CosineIndex.Load(path);
        }
        catch (Exception e)
        {
            return FuzzProperty.CleanError(e, path);
        }
        using (index)
        {
            var b = input.Bytes;
            // The format as CosineIndexFile documents it, read independently.
            if (b.Length < 64 || !b.AsSpan(0, 20).SequenceEqual("ENGINE-COSINE-INDEX\0"u8) || BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(20)) != 1)
                return [new Finding("accepted a malformed index", "bad magic or version")];
            int dim = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(24));
            long count = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(28));
            int flags = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(36));
            if (dim < 1 || dim > CosineIndex.MaxDimension || count < 0 || (flags & ~7) != 0)
                return [new Finding("accepted a malformed index", $"dimension {dim}, count {count}, flags {flags}")];
            long expected = 64 + count * dim * 4 + ((flags & 2) != 0 ? count * 8 : 0) + ((flags & 4) != 0 ? count * 4 : 0);
            if (expected != b.Length)
                return [new Finding("accepted a malformed index", $"{b.Length} bytes, the header implies {expected}")];
            if (index.Dimension != dim || index.Count != count || index.Normalize != ((flags & 1) != 0))
                return [new Finding("accepted with wrong values", $"dimension {index.Dimension}, rows {index.Count}, normalize {index.Normalize}; the file says {dim}, {count}, flags {flags}")];
            var row = new float[dim];
            for (int r = 0; r < count; r++)
            {
                index.CopyRow(r, row);
                var stored = Enumerable.Range(0, dim).Select(i => BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(64 + (r * dim + i) * 4))).ToArray();
                if (FuzzProperty.FirstDifference<float>(row, stored, $"row {r}") is { } d)
                    return [d];
                long id = (flags & 2) != 0 ? BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan((int)(64 + count * dim * 4 + r * 8))) : r;
                int identity = (flags & 4) != 0 ? BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan((int)(64 + count * dim * 4 + ((flags & 2) != 0 ? count * 8 : 0) + r * 4))) : -1;
                if (index.IdAt(r) != id || index.IdentityAt(r) != identity)
                    return [new Finding("accepted with wrong values", $"row {r}: id {index.IdAt(r)}, identity {index.IdentityAt(r)}; the file holds {id}, {identity}")];
            }
            return [];
        }
    }
}
