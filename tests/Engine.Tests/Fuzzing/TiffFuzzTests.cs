using System.Runtime.InteropServices;
using Engine.IO;
using Engine.Volumes;

namespace Engine.Tests.Fuzzing;

/// <summary>
/// Mutated TIFFs — strips and tiles, every codec (none, LZW, Deflate, PackBits, with predictors), BigTIFF, both byte
/// orders, multi-page — through <see cref="TiffImage.Read"/> and <see cref="TiffVolume"/>: a clean error naming the
/// file, or every page equal to LibTiff.NET's clean decode of the same bytes (<see cref="TiffReference"/>), with
/// no LibTiff message left for stderr.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class TiffFuzzTests
{
    private const int SliceSeed = 0x54494631;
    private const int MultiPageSeed = 0x54494632;
    private const int PairSeed = 0x54494633;

    [Fact]
    public void Fuzz_tiff_slices_every_codec_and_layout()
    {
        using var stderr = StderrCapture.Begin();
        using var campaign = new FuzzCampaign("tiff", SliceSeed, ".tif");
        campaign.Run(FuzzSettings.TiffSliceIterations, SliceSeeds(), Check, special: Huge);
        campaign.AssertClean();
    }

    [Fact]
    public void Fuzz_tiff_seeds_pass_unmutated()
    {
        // Every seed of every codec and layout decodes cleanly in LibTiff.NET and equals what Engine reads.
        using var folder = new TempFolder();
        foreach (var seed in SliceSeeds().Concat(MultiPageSeeds()))
        {
            string path = Path.Combine(folder.Path, "unmutated-" + seed.Name.Replace('/', '-'));
            File.WriteAllBytes(path, seed.Bytes);
            // The reference decodes every page of a seed (its screen for huge directories must not skip them).
            var (decoded, rejection) = TiffReference.Decode(seed.Bytes);
            Assert.True(decoded is { TooLarge: false, Pages.Count: > 0 }, $"{seed.Name}: the reference did not decode it ({rejection})");
            var findings = Check(path, new Mutant(seed.Bytes, "none")).ToList();
            Assert.True(findings.Count == 0, $"{seed.Name}: {string.Join("; ", findings)}");
        }
    }

    [Fact]
    public void Fuzz_multipage_tiff()
    {
        using var stderr = StderrCapture.Begin();
        using var campaign = new FuzzCampaign("tiff-multipage", MultiPageSeed, ".tif");
        campaign.Run(FuzzSettings.TiffMultiPageIterations, MultiPageSeeds(), Check, special: Huge);
        campaign.AssertClean();
    }

    /// <summary>
    /// A folder of two slices of different sizes or sample types (and each slice mutated a little): the volume must
    /// refuse it by name, never read one slice with the other's geometry.
    /// </summary>
    [Fact]
    public void Fuzz_mismatched_slice_pairs()
    {
        using var campaign = new FuzzCampaign("tiff-pairs", PairSeed, "");
        var seeds = SliceSeeds();
        int iterations = FuzzSettings.Iterations(FuzzSettings.MismatchedPairIterations);
        for (int i = 0; i < iterations; i++)
        {
            if (FuzzSettings.OnlyIteration is int only && only != i)
                continue;
            var rng = campaign.RandomFor(i);
            var a = seeds[rng.Next(seeds.Count)];
            var b = seeds[rng.Next(seeds.Count)];
            var second = rng.Next(3) == 0 ? Mutator.Mutate(b.Bytes, b.Fields, rng) : new Mutant(b.Bytes, "as is");
            string folder = Path.Combine(campaign.Folder, $"pair-{i:D4}");
            Directory.CreateDirectory(folder);
            File.WriteAllBytes(Path.Combine(folder, "00.tif"), a.Bytes);
            File.WriteAllBytes(Path.Combine(folder, "01.tif"), second.Bytes);
            var mutant = new Mutant(second.Bytes, $"00.tif = {a.Name}, 01.tif = {b.Name} ({second.Description})");
            campaign.CheckOne(folder, mutant, $"{a.Name} + {b.Name}", i, () => CheckPair(folder, a.Bytes, second.Bytes));
        }
        campaign.AssertClean();
    }

    internal static List<FuzzSeed> SliceSeeds()
    {
        var seeds = new List<FuzzSeed>();
        foreach (string dir in Directory.GetDirectories(TestData.PathOf("volumes")).Order())
        {
            string file = Path.Combine(dir, "00.tif");
            if (File.Exists(file))
                Add(seeds, $"{Path.GetFileName(dir)}/00.tif", File.ReadAllBytes(file));
        }
        foreach (string name in new[] { "tiff_u8.tif", "tiff_u16.tif", "tiff_f32.tif", "tiff_f32_deflate.tif", "tiff_f32_lzw_fp_tiffcp.tif", "tiff_f32_strips.tif", "tiff_u16_bigendian.tif", "tiff_u16_deflate_predictor.tif", "tiff_u8_lzw_tiffcp.tif" })
            Add(seeds, name, File.ReadAllBytes(TestData.PathOf("io", name)));
        return seeds;
    }

    internal static List<FuzzSeed> MultiPageSeeds()
    {
        var seeds = new List<FuzzSeed>();
        Add(seeds, "tifffile_multipage.tif", File.ReadAllBytes(TestData.PathOf("volumes", "tifffile_multipage.tif")));
        Add(seeds, "tiff_u8_two_pages.tif", File.ReadAllBytes(TestData.PathOf("io", "tiff_u8_two_pages.tif")));
        return seeds;
    }

    private static void Add(List<FuzzSeed> seeds, string name, byte[] bytes) => seeds.Add(new FuzzSeed(name, bytes, TiffReference.Fields(bytes)));

    /// <summary>Width, length, rows per strip, tile size or a strip byte count made huge.</summary>
    private static Mutant? Huge(FuzzSeed seed, Random r)
    {
        var targets = seed.Fields.Where(f => f.Name.EndsWith("tag 256 value", StringComparison.Ordinal) || f.Name.EndsWith("tag 257 value", StringComparison.Ordinal)
            || f.Name.EndsWith("tag 278 value", StringComparison.Ordinal) || f.Name.EndsWith("tag 322 value", StringComparison.Ordinal)
            || f.Name.EndsWith("tag 323 value", StringComparison.Ordinal) || f.Name.Contains("tag 279", StringComparison.Ordinal)).ToList();
        if (targets.Count == 0)
            return null;
        long[] sizes = [65535, 100000, 1 << 20, int.MaxValue, uint.MaxValue];
        return Mutator.SetField(seed.Bytes, targets[r.Next(targets.Count)], sizes[r.Next(sizes.Length)]) is var m
            ? m with { Description = "huge " + m.Description } : null;
    }

    private static IEnumerable<Finding> Check(string path, Mutant input)
    {
        var findings = new List<Finding>();
        StderrCapture.Take();
        var (reference, rejection) = TiffReference.Decode(input.Bytes);
        // TiffImage reads the first page only and documents that further pages are ignored.
        var (first, firstRejection) = TiffReference.Decode(input.Bytes, maxPages: 1);

        try
        {
            var image = TiffImage.Read(path);
            if (first is null)
                findings.Add(new Finding("TiffImage accepted a corrupt TIFF", firstRejection!));
            else if (first.Pages.Count > 0)
            {
                var page = first.Pages[0];
                if (image.Width != page.Width || image.Height != page.Height)
                    findings.Add(new Finding("TiffImage accepted with wrong values", $"{image.Width}×{image.Height}, LibTiff reads {page.Width}×{page.Height}"));
                else if (FuzzProperty.FirstDifference<float>(image.Pixels, AsFloat(page), "TiffImage pixels") is { } d)
                    findings.Add(d);
            }
        }
        catch (Exception e)
        {
            findings.AddRange(FuzzProperty.CleanError(e, path));
        }

        try
        {
            using var volume = TiffVolume.Open(path);
            if (reference is { TooLarge: true } || volume.UncompressedBytes / Math.Max(1, volume.SliceCount) > TiffReference.MaxPageBytes)
            {
                // Too large to decode here: one row of the first slice must still read or fail cleanly.
                var row = new byte[(long)Math.Min(volume.Width, 4096) * volume.BytesPerSample];
                volume.ReadRegion(0, 0, 1, 0, Math.Min(volume.Width, 4096), row);
                if (reference is null)
                    findings.Add(new Finding("TiffVolume accepted a corrupt TIFF", rejection!));
            }
            else
            {
                var slices = new List<byte[]>();
                for (int s = 0; s < volume.SliceCount; s++)
                {
                    var bytes = new byte[(long)volume.Width * volume.Height * volume.BytesPerSample];
                    volume.ReadRegion(s, 0, volume.Height, 0, volume.Width, bytes);
                    slices.Add(bytes);
                }
                if (reference is null)
                    findings.Add(new Finding("TiffVolume accepted a corrupt TIFF", rejection!));
                else if (volume.TotalSlices != reference.Pages.Count)
                    findings.Add(new Finding("TiffVolume accepted with wrong values", $"{volume.TotalSlices} slices, LibTiff reads {reference.Pages.Count} pages"));
                else
                {
                    for (int s = 0; s < slices.Count; s++)
                    {
                        var page = reference.Pages[s];
                        if (volume.Width != page.Width || volume.Height != page.Height)
                            findings.Add(new Finding("TiffVolume accepted with wrong values", $"slice {s}: {volume.Width}×{volume.Height}, LibTiff reads {page.Width}×{page.Height}"));
                        else if (FuzzProperty.FirstDifference<byte>(slices[s], page.Samples, $"TiffVolume slice {s} bytes") is { } d)
                            findings.Add(d with { Class = "TiffVolume " + d.Class });
                    }
                }
            }
        }
        catch (Exception e)
        {
            findings.AddRange(FuzzProperty.CleanError(e, path));
        }

        if (StderrCapture.Take() is { Length: > 0 } escaped)
            findings.Add(new Finding("a LibTiff message reached stderr", FuzzCampaign.OneLine(escaped.Trim())));
        return findings;
    }

    private static IEnumerable<Finding> CheckPair(string folder, byte[] a, byte[] b)
    {
        var ra = TiffReference.Decode(a).Value;
        var rb = TiffReference.Decode(b).Value;
        try
        {
            using var volume = TiffVolume.Open(folder);
            for (int s = 0; s < volume.SliceCount && volume.UncompressedBytes <= 2 * TiffReference.MaxPageBytes; s++)
            {
                var bytes = new byte[(long)volume.Width * volume.Height * volume.BytesPerSample];
                volume.ReadRegion(s, 0, volume.Height, 0, volume.Width, bytes);
                var page = (s == 0 ? ra : rb)?.Pages.FirstOrDefault();
                if (page is null)
                    return [new Finding("accepted a corrupt slice", $"slice {s} is refused by LibTiff")];
                if (page.Width != volume.Width || page.Height != volume.Height || page.BytesPerSample != volume.BytesPerSample)
                    return [new Finding("accepted mismatched slices", $"slice {s} is {page.Width}×{page.Height}×{page.BytesPerSample}, the volume {volume.Width}×{volume.Height}×{volume.BytesPerSample}")];
                if (FuzzProperty.FirstDifference<byte>(bytes, page.Samples, $"slice {s}") is { } d)
                    return [d];
            }
            return [];
        }
        catch (Exception e)
        {
            return FuzzProperty.CleanError(e, folder);
        }
    }

    private static float[] AsFloat(TiffReference.Page page)
    {
        var bytes = page.Samples.AsSpan();
        return page.BytesPerSample switch
        {
            1 => bytes.ToArray().Select(v => (float)v).ToArray(),
            2 => MemoryMarshal.Cast<byte, ushort>(bytes).ToArray().Select(v => (float)v).ToArray(),
            _ => MemoryMarshal.Cast<byte, float>(bytes).ToArray(),
        };
    }
}
