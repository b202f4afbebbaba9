using System.Buffers.Binary;
using Engine.IO;

namespace Engine.Tests.Fuzzing;

/// <summary>
/// Mutated PNGs through <see cref="PngImage.Read"/>: a clean error naming the file, or the pixels of a file whose
/// CRCs, zlib stream and sizes are all intact (<see cref="PngReference"/>). A corrupt file that stb_image still
/// decodes must be refused.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class PngFuzzTests
{
    private const int Seed = 0x504E4731;

    [Fact]
    public void Fuzz_png_reader()
    {
        using var campaign = new FuzzCampaign("png", Seed, ".png");
        campaign.Run(FuzzSettings.PngIterations, Seeds(campaign.Folder), Check, ChunkMutations, Huge);
        campaign.AssertClean();
    }

    [Fact]
    public void Fuzz_png_seeds_pass_unmutated()
    {
        using var folder = new TempFolder();
        foreach (var seed in Seeds(folder.Path))
        {
            string path = Path.Combine(folder.Path, "unmutated-" + seed.Name);
            File.WriteAllBytes(path, seed.Bytes);
            Assert.Empty(Check(path, new Mutant(seed.Bytes, "none")));
        }
    }

    [Fact]
    public void Fuzz_reference_refuses_a_corrupt_zlib_stream_with_fixed_crcs()
    {
        // The oracle itself: a flipped byte inside IDAT with the chunk's CRC recomputed must still be refused.
        using var folder = new TempFolder();
        var seed = Seeds(folder.Path)[0].Bytes;
        Assert.NotNull(PngReference.Decode(seed).Value);
        var idat = PngReference.Fields(seed).First(f => f.Name == "zlib header");
        var bytes = (byte[])seed.Clone();
        bytes[idat.Offset + 4] ^= 0x10;
        FixCrcs(bytes);
        Assert.Null(PngReference.Decode(bytes).Value);
    }

    internal static List<FuzzSeed> Seeds(string folder)
    {
        var seeds = new List<FuzzSeed>();
        string path = Path.Combine(folder, "gray8_40x30.png");
        var pixels = new byte[40 * 30];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = (byte)((i % 40) * 6 ^ (i / 40) * 3);
        PngImage.Write(path, pixels, 40, 30);
        var generated = File.ReadAllBytes(path);
        seeds.Add(new FuzzSeed("gray8_40x30.png", generated, PngReference.Fields(generated)));
        foreach (string name in new[] { "png_gray1.png", "png_gray4.png", "png_gray8.png", "png_gray16.png", "png_gray_alpha.png", "png_palette_gray.png", "png_rgb_gray.png", "png_rgba_gray.png" })
        {
            var bytes = File.ReadAllBytes(TestData.PathOf("io", name));
            seeds.Add(new FuzzSeed(name, bytes, PngReference.Fields(bytes)));
        }
        return seeds;
    }

    private static IEnumerable<Finding> Check(string path, Mutant input)
    {
        GrayImage<byte> image;
        try
        {
            image = PngImage.Read(path);
        }
        catch (Exception e)
        {
            return FuzzProperty.CleanError(e, path);
        }
        var (reference, rejection) = PngReference.Decode(input.Bytes);
        if (reference is null)
            return [new Finding("accepted a corrupt PNG", rejection!)];
        if (reference.Color)
            return [new Finding("accepted with wrong values", "read a colour image as gray")];
        if (image.Width != reference.Width || image.Height != reference.Height)
            return [new Finding("accepted with wrong values", $"{image.Width}×{image.Height}, the reference reads {reference.Width}×{reference.Height}")];
        var difference = FuzzProperty.FirstDifference<byte>(image.Pixels, reference.Gray, "pixels");
        return difference is null ? [] : [difference];
    }

    /// <summary>Recomputes every chunk's CRC, so that only the zlib stream or the fields can give the damage away.</summary>
    internal static void FixCrcs(byte[] bytes)
    {
        int at = 8;
        while (at + 12 <= bytes.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at));
            if (at + 12L + length > bytes.Length)
                return;
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(at + 8 + (int)length), PngReference.Crc32(bytes.AsSpan(at + 4, 4 + (int)length)));
            at += 12 + (int)length;
        }
    }

    private static readonly IReadOnlyList<Func<byte[], Random, Mutant?>> ChunkMutations =
    [
        // The damage a stale CRC would reveal, hidden: a flipped byte in IDAT, CRCs recomputed.
        (b, r) =>
        {
            var idat = PngReference.Fields(b).FirstOrDefault(f => f.Name == "IDAT length");
            if (idat is null)
                return null;
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(idat.Offset));
            if (length < 3)
                return null;
            var bytes = (byte[])b.Clone();
            int at = idat.Offset + 8 + 2 + r.Next(length - 2);
            bytes[at] ^= (byte)(1 + r.Next(255));
            FixCrcs(bytes);
            return new Mutant(bytes, $"IDAT byte @{at} changed, CRCs fixed");
        },
        // A field changed and the CRC fixed, so that only the field's meaning can be checked.
        (b, r) =>
        {
            var fields = PngReference.Fields(b).Where(f => f.Name.StartsWith("IHDR ", StringComparison.Ordinal) || f.Name == "zlib Adler-32" || f.Name == "zlib header").ToList();
            if (fields.Count == 0)
                return null;
            var m = Mutator.CorruptField(b, r, fields);
            FixCrcs(m.Bytes);
            return m with { Description = m.Description + ", CRCs fixed" };
        },
        // A chunk type with unprintable bytes (the form feed), CRC fixed.
        (b, r) =>
        {
            var bytes = (byte[])b.Clone();
            var fields = PngReference.Fields(b).Where(f => f.Name.EndsWith(" length", StringComparison.Ordinal)).ToList();
            if (fields.Count < 2)
                return null;
            var f = fields[1 + r.Next(fields.Count - 1)];
            bytes[f.Offset + 4 + r.Next(4)] = (byte)new[] { 0x0C, 0x00, 0x1B, 0x7F, 0x9B, 0xFF }[r.Next(6)];
            FixCrcs(bytes);
            return new Mutant(bytes, $"chunk type @{f.Offset + 4} given an unprintable byte, CRCs fixed");
        },
        // A chunk removed or duplicated whole.
        (b, r) =>
        {
            var fields = PngReference.Fields(b).Where(f => f.Name.EndsWith(" length", StringComparison.Ordinal)).ToList();
            if (fields.Count == 0)
                return null;
            var f = fields[r.Next(fields.Count)];
            int length = (int)BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(f.Offset));
            var chunk = b[f.Offset..(f.Offset + 12 + length)];
            return r.Next(2) == 0
                ? new Mutant([.. b[..f.Offset], .. b[(f.Offset + 12 + length)..]], $"{f.Name[..4]} chunk removed")
                : new Mutant([.. b[..f.Offset], .. chunk, .. b[f.Offset..]], $"{f.Name[..4]} chunk duplicated");
        },
    ];

    /// <summary>A valid file that declares a huge image (CRC fixed): nothing may be decoded before that is noticed.</summary>
    private static Mutant? Huge(FuzzSeed seed, Random r)
    {
        var width = seed.Fields.FirstOrDefault(f => f.Name == "IHDR width");
        var height = seed.Fields.FirstOrDefault(f => f.Name == "IHDR height");
        if (width is null || height is null)
            return null;
        long[] sizes = [30000, 65535, 100000, 1 << 20, int.MaxValue];
        var m = Mutator.SetField(seed.Bytes, width, sizes[r.Next(sizes.Length)]);
        m = Mutator.SetField(m.Bytes, height, sizes[r.Next(sizes.Length)]) is var h ? h with { Description = m.Description + ", " + h.Description } : m;
        FixCrcs(m.Bytes);
        return m with { Description = "huge IHDR: " + m.Description + ", CRC fixed" };
    }
}
