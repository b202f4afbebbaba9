using System.Text;
using Engine.Volumes;

namespace Engine.Tests.Fuzzing;

/// <summary>
/// A tile cache whose chunks.json or chunks.bin was altered or truncated: <see cref="TileCache.Open"/> must refuse
/// it cleanly (naming the cache), or the cache must read exactly what the volume holds.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class TileCacheFuzzTests
{
    private const int Seed = 0x54434131;

    [Fact]
    public void Fuzz_tile_cache()
    {
        using var campaign = new FuzzCampaign("tile-cache", Seed, "");
        string slices = Path.Combine(campaign.Folder, "slices");
        Directory.CreateDirectory(slices);
        foreach (string file in Directory.GetFiles(TestData.PathOf("volumes", "tifffile_uint8")))
            File.Copy(file, Path.Combine(slices, Path.GetFileName(file)));
        using var volume = TiffVolume.Open(slices);
        var truth = new byte[(long)volume.SliceCount * volume.Width * volume.Height * volume.BytesPerSample];
        volume.ReadBand(0, volume.Height, 0, volume.Width, truth);
        string pristine = Path.Combine(campaign.Folder, "pristine");
        TileCache.Build(volume, pristine).Dispose();
        var json = File.ReadAllBytes(Path.Combine(pristine, "chunks.json"));
        var bin = File.ReadAllBytes(Path.Combine(pristine, "chunks.bin"));
        var seeds = new List<FuzzSeed> { new("chunks.json", json, []), new("chunks.bin", bin, []) };

        int iterations = FuzzSettings.Iterations(FuzzSettings.TileCacheIterations);
        for (int i = 0; i < iterations; i++)
        {
            if (FuzzSettings.OnlyIteration is int only && only != i)
                continue;
            var rng = campaign.RandomFor(i);
            var seed = seeds[rng.Next(seeds.Count)];
            var mutant = seed.Name == "chunks.json" && rng.Next(2) == 0 ? EditJson(json, rng) : Mutator.Mutate(seed.Bytes, seed.Fields, rng);
            string cache = Path.Combine(campaign.Folder, $"cache-{i:D4}");
            Directory.CreateDirectory(cache);
            File.WriteAllBytes(Path.Combine(cache, "chunks.json"), seed.Name == "chunks.json" ? mutant.Bytes : json);
            File.WriteAllBytes(Path.Combine(cache, "chunks.bin"), seed.Name == "chunks.bin" ? mutant.Bytes : bin);
            campaign.CheckOne(cache, mutant with { Description = $"{seed.Name}: {mutant.Description}" }, seed.Name, i, () => Check(volume, cache, truth));
            Directory.Delete(cache, recursive: true);
        }
        campaign.AssertClean();
    }

    private static IEnumerable<Finding> Check(TiffVolume volume, string cache, byte[] truth)
    {
        try
        {
            using var opened = TileCache.Open(volume, cache);
            if (opened is null)
                return [new Finding("a present cache was ignored", "Open returned null")];
            var read = new byte[truth.Length];
            opened.ReadBand(0, volume.Height, 0, volume.Width, read);
            return FuzzProperty.FirstDifference<byte>(read, truth, "cached tiles") is { } d ? [d] : [];
        }
        catch (Exception e)
        {
            return FuzzProperty.CleanError(e, cache);
        }
    }

    private static Mutant EditJson(byte[] json, Random r)
    {
        string t = Encoding.UTF8.GetString(json);
        var numbers = System.Text.RegularExpressions.Regex.Matches(t, @"-?\d+");
        var m = numbers[r.Next(numbers.Count)];
        string value = new[] { "0", "-1", "2147483647", "1", "33", "99999999999", "1.5", "null", "\"x\"" }[r.Next(9)];
        return new Mutant(Encoding.UTF8.GetBytes(t[..m.Index] + value + t[(m.Index + m.Length)..]), $"number {m.Value} @{m.Index} -> {value}");
    }
}
