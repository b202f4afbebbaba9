using Engine.IO;

namespace Engine.Torch.Tests.Ink;

/// <summary>A small fragment in the competition's layout (float32 slices, so any test size is quick to write), deleted on dispose.</summary>
internal sealed class InferenceFragment : IDisposable
{
    public InferenceFragment(int width, int height, int slices, bool labels = true)
    {
        Width = width;
        Height = height;
        Directory = Path.Combine(Path.GetTempPath(), "engine-ink-fragment-" + Guid.NewGuid().ToString("N"));
        string volume = Path.Combine(Directory, "surface_volume");
        System.IO.Directory.CreateDirectory(volume);
        var random = new Random(7);
        var pixels = new float[width * height];
        for (int s = 0; s < slices; s++)
        {
            for (int i = 0; i < pixels.Length; i++)
                pixels[i] = 1000 + random.Next(20000) + (i % width) * 3 + s * 11;
            TiffImage.Write(Path.Combine(volume, $"{s:D2}.tif"), pixels, width, height);
        }
        // The fragment: everything but a margin, so tiles both inside and at the mask's edge exist.
        Mask = new byte[width * height];
        for (int y = height / 10; y < height - height / 8; y++)
            Mask.AsSpan(y * width + width / 12, width - width / 12 - width / 9).Fill(1);
        MapFile.WriteMask(Path.Combine(Directory, "mask.png"), new GrayImage<byte>(width, height, Mask));
        if (labels)
        {
            var ink = new byte[width * height];
            for (int y = height / 3; y < height / 2; y++)
                ink.AsSpan(y * width + width / 4, width / 2).Fill(1);
            MapFile.WriteMask(Path.Combine(Directory, "inklabels.png"), new GrayImage<byte>(width, height, ink));
        }
    }

    public string Directory { get; }

    public int Width { get; }

    public int Height { get; }

    public byte[] Mask { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
