namespace Engine.Torch.Ink;

/// <summary>
/// Writes a synthetic fragment in the ink-detection competition's layout, for demos, tests and measurements: a
/// papyrus-like volume whose ink is visible only in a band of middle slices, so a model must look across depth.
/// </summary>
/// <remarks>
/// <para>What is in it: horizontal fibres in the upper slices and vertical fibres in the deeper ones (as papyrus's
/// two layers), a surface brightness varying slowly across the fragment and a depth profile, per-pixel noise, an
/// irregular fragment mask with holes, and letter-like ink strokes (24–40 px wide on 1,024², scaling with the
/// size). In <see cref="SyntheticFragmentOptions.InkSlices"/> only, ink brightens the papyrus (strongest in the
/// band's middle) and smooths its fibres; round stains brighten a few slices just above or below the band, so a
/// bright spot is ink only at the right depth. A single pixel of one slice does not tell ink apart (the noise is
/// larger than the ink's contrast); a neighbourhood across the band's slices does.</para>
/// <para>Slices are made and written one at a time (the next is made while the last is written), from several
/// threads; the pixel values depend only on the seed and the position, never on the threads.</para>
/// </remarks>
public static class SyntheticFragment
{
    /// <summary>Brightening of a stain at its centre, in uint16 units: like strong ink.</summary>
    private const float StainContrast = 1800;

    /// <summary>Slices above (below) the ink band in which stains show.</summary>
    private const int StainDepth = 6;

    /// <summary>
    /// Writes <c>DIR/surface_volume/00.tif …</c> (uint16, one uncompressed TIFF per slice), <c>DIR/mask.png</c> and
    /// <c>DIR/inklabels.png</c> (0/255), replacing files of those names.
    /// </summary>
    /// <param name="directory">The fragment directory, created if needed.</param>
    /// <param name="options">Size, seed and signal strengths.</param>
    /// <param name="progress">Receives the number of slices written so far.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    /// <exception cref="IOException">A file cannot be written.</exception>
    public static void Write(string directory, SyntheticFragmentOptions options, IProgress<long>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var layout = new SyntheticFragmentLayout(options);
        string volume = Path.Combine(directory, "surface_volume");
        Directory.CreateDirectory(volume);
        PngImage.Write(Path.Combine(directory, "mask.png"), Scaled(layout.Mask), layout.Width, layout.Height);
        PngImage.Write(Path.Combine(directory, "inklabels.png"), Scaled(layout.Labels), layout.Width, layout.Height);

        var ink = options.InkSlices ?? SyntheticFragmentOptions.DefaultInkSlices(options.Slices);
        string digits = "D" + Math.Max(2, (options.Slices - 1).ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
        ushort[] making = new ushort[layout.Width * layout.Height], writing = new ushort[making.Length];
        Task written = Task.CompletedTask;
        for (int z = 0; z < options.Slices; z++)
        {
            MakeSlice(layout, options, ink, z, making);
            written.GetAwaiter().GetResult();
            (making, writing) = (writing, making);
            string path = Path.Combine(volume, z.ToString(digits, System.Globalization.CultureInfo.InvariantCulture) + ".tif");
            var pixels = writing;
            long done = z + 1;
            written = Task.Run(() =>
            {
                TiffImage.WriteUInt16(path, pixels, layout.Width, layout.Height);
                progress?.Report(done);
            });
        }
        written.GetAwaiter().GetResult();
    }

    private static byte[] Scaled(byte[] bits) => Array.ConvertAll(bits, b => b != 0 ? (byte)255 : (byte)0);

    private static void MakeSlice(SyntheticFragmentLayout layout, SyntheticFragmentOptions options, SliceRange ink, int z, ushort[] pixels)
    {
        int width = layout.Width, slices = options.Slices;
        double middle = (slices - 1) / 2.0;
        // The papyrus is brightest in the middle slices and fades towards the surface and the back.
        double presence = Math.Exp(-Math.Pow((z - middle) / (0.35 * slices), 2));
        float baseLevel = (float)(9000 + 21000 * presence);
        float fibres = (float)(3000 * (0.4 + 0.6 * presence));
        // Horizontal fibres above the middle, vertical below, blending over a few slices.
        float horizontal = (float)(1 / (1 + Math.Exp((z - middle) / 3)));
        float inkHere = (float)(InkStrength(ink, z) * options.InkContrast / 255);
        float inkSmoothing = (float)(0.6 * InkStrength(ink, z) / 255);
        float stainAbove = z >= ink.First - StainDepth && z < ink.First ? StainContrast / 127 : 0;
        float stainBelow = z > ink.Last && z <= ink.Last + StainDepth ? StainContrast / 127 : 0;
        float noise = (float)options.Noise;
        ulong sliceKey = Mix((ulong)(uint)options.Seed * 0x9E3779B97F4A7C15UL ^ ((ulong)z << 40));

        Parallel.For(0, layout.Height, y =>
        {
            var row = pixels.AsSpan(y * width, width);
            double cellY = y / layout.BrightnessCell;
            int gy = (int)cellY;
            float ty = (float)(cellY - gy);
            var top = layout.Brightness.AsSpan(gy * layout.BrightnessColumns, layout.BrightnessColumns);
            var bottom = layout.Brightness.AsSpan((gy + 1) * layout.BrightnessColumns, layout.BrightnessColumns);
            float rowA = layout.FibreRowsA[y], rowB = layout.FibreRowsB[y], rowMix = layout.RowMix[y];
            ulong rowKey = sliceKey + (ulong)y * (ulong)width;
            for (int x = 0; x < width; x++)
            {
                int i = y * width + x;
                float n = Gaussian(rowKey + (ulong)x);
                if (layout.Mask[i] == 0)
                {
                    row[x] = Clamp(800 + 300 * n);
                    continue;
                }
                double cellX = x / layout.BrightnessCell;
                int gx = (int)cellX;
                float tx = (float)(cellX - gx);
                float upper = top[gx] + tx * (top[gx + 1] - top[gx]);
                float lower = bottom[gx] + tx * (bottom[gx + 1] - bottom[gx]);
                float brightness = upper + ty * (lower - upper);
                float alongRows = rowA + layout.ColumnMix[x] * (rowB - rowA);
                float alongColumns = layout.FibreColumnsA[x] + rowMix * (layout.FibreColumnsB[x] - layout.FibreColumnsA[x]);
                float fibre = horizontal * alongRows + (1 - horizontal) * alongColumns;
                byte inkCover = layout.Ink[i], stain = layout.Stains[i];
                float stainLight = (stain & 127) * ((stain & 128) != 0 ? stainBelow : stainAbove);
                float value = baseLevel * brightness
                    + fibres * fibre * (1 - inkSmoothing * inkCover)
                    + inkHere * inkCover
                    + stainLight
                    + noise * n;
                row[x] = Clamp(value);
            }
        });
    }

    /// <summary>1 in the middle of the ink slices, falling to 0.5 at their ends, 0 outside.</summary>
    private static double InkStrength(SliceRange ink, int z)
    {
        if (z < ink.First || z > ink.Last)
            return 0;
        double middle = (ink.First + ink.Last) / 2.0, half = (ink.Last - ink.First) / 2.0 + 1e-9;
        return 1 - 0.5 * Math.Abs(z - middle) / half;
    }

    private static ushort Clamp(float value) => (ushort)Math.Clamp(MathF.Round(value), 0, ushort.MaxValue);

    /// <summary>A standard normal-ish value from a position: four 16-bit uniforms of one hash, summed and scaled (Irwin–Hall).</summary>
    private static float Gaussian(ulong key)
    {
        ulong h = Mix(key);
        uint sum = (uint)(h & 0xFFFF) + (uint)((h >> 16) & 0xFFFF) + (uint)((h >> 32) & 0xFFFF) + (uint)(h >> 48);
        // The sum of four uniforms on [0, 1) has mean 2 and variance 4/12.
        return (sum / 65536f - 2f) * 1.7320508f;
    }

    /// <summary>SplitMix64's finaliser: a well-mixed 64-bit hash of a 64-bit key.</summary>
    private static ulong Mix(ulong key)
    {
        key += 0x9E3779B97F4A7C15UL;
        key = (key ^ (key >> 30)) * 0xBF58476D1CE4E5B9UL;
        key = (key ^ (key >> 27)) * 0x94D049BB133111EBUL;
        return key ^ (key >> 31);
    }
}
