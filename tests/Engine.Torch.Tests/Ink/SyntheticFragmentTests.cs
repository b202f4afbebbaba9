using Engine.IO;
using Engine.Torch.Ink;
using Engine.Volumes;

namespace Engine.Torch.Tests.Ink;

public sealed class SyntheticFragmentTests : IDisposable
{
    private static readonly SyntheticFragmentOptions Small = new() { Width = 320, Height = 256, Slices = 20, Seed = 4, InkSlices = new SliceRange(8, 11) };
    private readonly InkTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_files_have_the_competitions_layout_and_sizes()
    {
        var reported = new List<long>();
        SyntheticFragment.Write(_folder.Path, Small, new Progress(reported.Add));

        Assert.Equal(Enumerable.Range(0, 20).Select(z => $"{z:D2}.tif"),
            Directory.GetFiles(Path.Combine(_folder.Path, "surface_volume")).Select(Path.GetFileName).Order());
        using var volume = TiffVolume.Open(Path.Combine(_folder.Path, "surface_volume"));
        Assert.Equal((320, 256, 20, VolumeSampleType.UInt16), (volume.Width, volume.Height, volume.SliceCount, volume.SampleType));
        var mask = MapFile.ReadMask(Path.Combine(_folder.Path, "mask.png"));
        var labels = MapFile.ReadMask(Path.Combine(_folder.Path, "inklabels.png"));
        Assert.Equal((320, 256), (mask.Width, mask.Height));
        Assert.Equal((320, 256), (labels.Width, labels.Height));
        // The mask is a blob, not the whole rectangle, and the ink lies inside it and covers a real part of it.
        double masked = mask.Pixels.Average(p => (double)p);
        Assert.InRange(masked, 0.4, 0.9);
        Assert.All(labels.Pixels.Zip(mask.Pixels), p => Assert.True(p.First <= p.Second));
        Assert.InRange(labels.Pixels.Sum(p => (double)p) / mask.Pixels.Sum(p => (double)p), 0.05, 0.5);
        Assert.Equal(Enumerable.Range(1, 20).Select(z => (long)z), reported.Order());
    }

    [Fact]
    public void Ink_changes_only_the_ink_slices_and_only_under_the_strokes()
    {
        // Two fragments that differ only in the ink's contrast: every difference between them is the ink's doing.
        string faint = _folder.Sub("faint"), strong = _folder.Sub("strong");
        SyntheticFragment.Write(faint, Small with { InkContrast = 900 });
        SyntheticFragment.Write(strong, Small with { InkContrast = 2700 });
        var labels = MapFile.ReadMask(Path.Combine(strong, "inklabels.png")).Pixels;
        var nearInk = Dilated(labels, Small.Width, Small.Height);
        using var a = TiffVolume.Open(Path.Combine(faint, "surface_volume"));
        using var b = TiffVolume.Open(Path.Combine(strong, "surface_volume"));

        for (int z = 0; z < Small.Slices; z++)
        {
            ushort[] sliceA = a.ReadSlice<ushort>(z), sliceB = b.ReadSlice<ushort>(z);
            bool inBand = z is >= 8 and <= 11;
            if (!inBand)
            {
                Assert.True(sliceA.AsSpan().SequenceEqual(sliceB), $"slice {z}, outside the ink slices, depends on the ink");
                continue;
            }
            int brighterInk = 0, inkPixels = 0;
            for (int i = 0; i < sliceA.Length; i++)
            {
                if (sliceA[i] != sliceB[i])
                    Assert.True(nearInk[i], $"slice {z} changes at pixel {i}, away from every stroke");
                if (labels[i] != 0)
                {
                    inkPixels++;
                    brighterInk += sliceB[i] > sliceA[i] ? 1 : 0;
                }
            }
            Assert.True(brighterInk > 0.95 * inkPixels, $"slice {z}: stronger ink brightens only {brighterInk} of {inkPixels} ink pixels");
        }
    }

    [Fact]
    public void One_pixel_of_one_slice_does_not_tell_ink_apart_but_the_band_does()
    {
        SyntheticFragment.Write(_folder.Path, Small);
        var mask = MapFile.ReadMask(Path.Combine(_folder.Path, "mask.png")).Pixels;
        var labels = MapFile.ReadMask(Path.Combine(_folder.Path, "inklabels.png")).Pixels;
        using var volume = TiffVolume.Open(Path.Combine(_folder.Path, "surface_volume"));
        var middle = volume.ReadSlice<ushort>(10);
        var ink = Enumerable.Range(0, middle.Length).Where(i => mask[i] != 0 && labels[i] != 0).Select(i => (double)middle[i]).ToArray();
        var papyrus = Enumerable.Range(0, middle.Length).Where(i => mask[i] != 0 && labels[i] == 0).Select(i => (double)middle[i]).ToArray();

        double separation = (ink.Average() - papyrus.Average()) / StandardDeviation(papyrus);
        Assert.InRange(separation, 0.1, 1.0);
    }

    private static bool[] Dilated(byte[] labels, int width, int height)
    {
        var near = new bool[labels.Length];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int yy = y + dy, xx = x + dx;
                        if (yy >= 0 && yy < height && xx >= 0 && xx < width && labels[yy * width + xx] != 0)
                            near[y * width + x] = true;
                    }
        return near;
    }

    [Fact]
    public void One_seed_writes_byte_identical_files_and_another_seed_different_ones()
    {
        string first = _folder.Sub("a"), second = _folder.Sub("b"), other = _folder.Sub("c");
        SyntheticFragment.Write(first, Small);
        SyntheticFragment.Write(second, Small);
        SyntheticFragment.Write(other, Small with { Seed = 5 });

        string[] files = Directory.GetFiles(first, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(first, f)).Order().ToArray();
        Assert.Equal(22, files.Length);
        foreach (string file in files)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(first, file)), File.ReadAllBytes(Path.Combine(second, file)));
            Assert.NotEqual(File.ReadAllBytes(Path.Combine(first, file)), File.ReadAllBytes(Path.Combine(other, file)));
        }
    }

    [Fact]
    public void Options_out_of_range_are_rejected_naming_the_problem()
    {
        Assert.Contains("16×256", Assert.Throws<ArgumentException>(() => SyntheticFragment.Write(_folder.Path, Small with { Width = 16 })).Message);
        Assert.Contains("8..30", Assert.Throws<ArgumentException>(() => SyntheticFragment.Write(_folder.Path, Small with { InkSlices = new SliceRange(8, 30) })).Message);
        Assert.Contains("Noise", Assert.Throws<ArgumentException>(() => SyntheticFragment.Write(_folder.Path, Small with { Noise = -1 })).Message);
        Assert.Empty(Directory.GetFileSystemEntries(_folder.Path));
    }

    private static double StandardDeviation(double[] values)
    {
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / values.Length);
    }

    private sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value)
        {
            lock (this)
                report(value);
        }
    }
}
