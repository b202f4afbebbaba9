using System.Buffers.Binary;
using Engine.IO;

namespace Engine.Tests.Fuzzing;

/// <summary>Mutated .fvecs files through <see cref="EmbeddingFile.Read"/>: a clean error naming the file, or the vectors an independent parse reads.</summary>
[Collection(FuzzCollection.Name)]
public sealed class FvecsFuzzTests
{
    private const int Seed = 0x46564531;

    [Fact]
    public void Fuzz_fvecs_reader()
    {
        using var campaign = new FuzzCampaign("fvecs", Seed, ".fvecs");
        var seeds = new List<FuzzSeed>();
        foreach (var (rows, dim) in new[] { (5, 4), (1, 1), (3, 16), (8, 3) })
        {
            string path = Path.Combine(campaign.Folder, $"seed_{rows}x{dim}.fvecs");
            EmbeddingFile.WriteFvecs(path, Enumerable.Range(0, rows * dim).Select(i => MathF.Sin(i) * 3).ToArray(), dim);
            var bytes = File.ReadAllBytes(path);
            var fields = Enumerable.Range(0, rows).Select(r => new Field(r * (4 + 4 * dim), 4, $"vector {r} dimension")).ToList();
            seeds.Add(new FuzzSeed(Path.GetFileName(path), bytes, fields));
        }
        campaign.Run(FuzzSettings.FvecsIterations, seeds, Check,
            special: (s, r) => Mutator.SetField(s.Bytes, s.Fields[0], new long[] { 1 << 28, int.MaxValue, 1 << 20, -1 }[r.Next(4)]));
        campaign.AssertClean();
    }

    private static IEnumerable<Finding> Check(string path, Mutant input)
    {
        EmbeddingMatrix matrix;
        try
        {
            matrix = EmbeddingFile.Read(path);
        }
        catch (Exception e)
        {
            return FuzzProperty.CleanError(e, path);
        }
        var (reference, rejection) = Reference(input.Bytes);
        if (reference is null)
            return [new Finding("accepted a malformed .fvecs", rejection!)];
        if (matrix.Rows != reference.Value.Rows || (matrix.Rows > 0 && matrix.Dimension != reference.Value.Dimension))
            return [new Finding("accepted with wrong values", $"{matrix.Rows}×{matrix.Dimension}, the independent parse reads {reference.Value.Rows}×{reference.Value.Dimension}")];
        return FuzzProperty.FirstDifference<float>(matrix.Data, reference.Value.Data, "vectors") is { } d ? [d] : [];
    }

    /// <summary>Every record is an int32 dimension, the same positive one throughout, then that many float32.</summary>
    private static ((float[] Data, int Rows, int Dimension)? Value, string? Rejection) Reference(byte[] b)
    {
        var data = new List<float>();
        int at = 0, rows = 0, dimension = -1;
        while (at < b.Length)
        {
            if (at + 4 > b.Length)
                return (null, "ends inside a dimension");
            int d = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(at));
            if (d <= 0 || (dimension >= 0 && d != dimension))
                return (null, $"vector {rows} has dimension {d}");
            dimension = d;
            if (at + 4 + 4L * d > b.Length)
                return (null, $"vector {rows} is cut short");
            for (int i = 0; i < d; i++)
                data.Add(BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(at + 4 + 4 * i)));
            at += 4 + 4 * d;
            rows++;
        }
        return ((data.ToArray(), rows, Math.Max(dimension, 0)), null);
    }
}
