namespace Engine.Cli.Demo;

/// <summary>
/// A made-up fragment for the demo: a blobby fragment mask, pen strokes of "ink" as the truth, and a model's
/// probability map that sees the strokes through blur and correlated noise — the kind of map percentile
/// thresholding is for. Deterministic for a seed.
/// </summary>
internal sealed class SyntheticInkMap
{
    public required int Height { get; init; }
    public required int Width { get; init; }
    public required float[] Probabilities { get; init; }
    public required byte[] Truth { get; init; }
    public required byte[] Mask { get; init; }

    public static SyntheticInkMap Create(int height, int width, int seed)
    {
        var random = new Random(seed);
        var truth = new byte[height * width];
        // Strokes: thick segments, four per 100 × 100 px of fragment, 1–4% of the fragment's width long.
        int strokes = Math.Max(4, height * width / 2_500);
        float scale = Math.Min(height, width);
        for (int s = 0; s < strokes; s++)
        {
            float y0 = (float)random.NextDouble() * height, x0 = (float)random.NextDouble() * width;
            float angle = (float)(random.NextDouble() * Math.PI);
            float length = scale * (0.01f + 0.03f * (float)random.NextDouble());
            float thickness = 1.5f + 3f * (float)random.NextDouble() * scale / 1000f;
            Stroke(truth, height, width, y0, x0, MathF.Sin(angle), MathF.Cos(angle), length, thickness);
        }

        var mask = Fragment(height, width, random);
        // The model's evidence: the strokes blurred (a model sees ink through a receptive field) plus noise
        // correlated over a few pixels (fibres, cracks), then a sigmoid.
        var evidence = new float[truth.Length];
        for (int i = 0; i < truth.Length; i++)
            evidence[i] = truth[i];
        BoxBlur(evidence, height, width, radius: 3);
        var noise = new float[truth.Length];
        for (int i = 0; i < noise.Length; i++)
            noise[i] = (float)Normal(random);
        BoxBlur(noise, height, width, radius: 2);
        var probabilities = new float[truth.Length];
        for (int i = 0; i < probabilities.Length; i++)
        {
            float logit = 6f * evidence[i] - 3.5f + 5f * noise[i];
            probabilities[i] = mask[i] != 0 ? 1f / (1f + MathF.Exp(-logit)) : 0f;
            if (mask[i] == 0)
                truth[i] = 0;
        }
        return new SyntheticInkMap { Height = height, Width = width, Probabilities = probabilities, Truth = truth, Mask = mask };
    }

    /// <summary>Marks the pixels within <paramref name="thickness"/> of the segment.</summary>
    private static void Stroke(byte[] truth, int height, int width, float y0, float x0, float dy, float dx, float length, float thickness)
    {
        int top = (int)Math.Max(0, Math.Min(y0, y0 + dy * length) - thickness - 1);
        int bottom = (int)Math.Min(height - 1, Math.Max(y0, y0 + dy * length) + thickness + 1);
        int left = (int)Math.Max(0, Math.Min(x0, x0 + dx * length) - thickness - 1);
        int right = (int)Math.Min(width - 1, Math.Max(x0, x0 + dx * length) + thickness + 1);
        for (int y = top; y <= bottom; y++)
        {
            for (int x = left; x <= right; x++)
            {
                float t = Math.Clamp((y - y0) * dy + (x - x0) * dx, 0, length);
                float ey = y - (y0 + t * dy), ex = x - (x0 + t * dx);
                if (ey * ey + ex * ex <= thickness * thickness)
                    truth[y * width + x] = 1;
            }
        }
    }

    /// <summary>An ellipse whose radius wobbles with the angle: a papyrus fragment's ragged outline.</summary>
    private static byte[] Fragment(int height, int width, Random random)
    {
        var phases = Enumerable.Range(0, 5).Select(_ => random.NextDouble() * 2 * Math.PI).ToArray();
        var mask = new byte[height * width];
        for (int y = 0; y < height; y++)
        {
            double v = (y - height / 2.0) / (0.46 * height);
            for (int x = 0; x < width; x++)
            {
                double u = (x - width / 2.0) / (0.46 * width);
                double angle = Math.Atan2(v, u), radius = 1;
                for (int k = 0; k < phases.Length; k++)
                    radius += 0.06 / (k + 1) * Math.Sin((k + 2) * angle + phases[k]);
                mask[y * width + x] = (byte)(u * u + v * v <= radius * radius ? 1 : 0);
            }
        }
        return mask;
    }

    /// <summary>A separable box blur, rows then columns, with the window clipped at the edges.</summary>
    private static void BoxBlur(float[] image, int height, int width, int radius)
    {
        var sums = new double[Math.Max(height, width) + 1];
        var column = new float[height];
        for (int y = 0; y < height; y++)
            Blur1D(image.AsSpan(y * width, width), sums, radius);
        for (int x = 0; x < width; x++)
        {
            for (int y = 0; y < height; y++)
                column[y] = image[y * width + x];
            Blur1D(column, sums, radius);
            for (int y = 0; y < height; y++)
                image[y * width + x] = column[y];
        }
    }

    /// <summary>Mean over [i − radius, i + radius] ∩ the line, from prefix sums.</summary>
    private static void Blur1D(Span<float> values, double[] sums, int radius)
    {
        int n = values.Length;
        for (int i = 0; i < n; i++)
            sums[i + 1] = sums[i] + values[i];
        for (int i = 0; i < n; i++)
        {
            int lo = Math.Max(0, i - radius), hi = Math.Min(n, i + radius + 1);
            values[i] = (float)((sums[hi] - sums[lo]) / (hi - lo));
        }
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
