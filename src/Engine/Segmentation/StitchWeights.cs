namespace Engine.Segmentation;

/// <summary>Window weight maps with MONAI's semantics (<c>monai.data.utils.compute_importance_map</c>).</summary>
public static class StitchWeights
{
    /// <summary>MONAI's Gaussian importance map of a <paramref name="height"/> × <paramref name="width"/> window.</summary>
    /// <remarks>
    /// Per axis of size n: x = −(n − 1)/2 … (n − 1)/2 in float32, g = exp(x² / (−2σ²)) with σ = n · sigmaScale; the
    /// map is the float32 outer product g_y[i] · g_x[j], then clamped below at max(min(map), 0.001) so no pixel
    /// weighs zero. The exponential is evaluated in float64 and rounded once; PyTorch's vectorized float32 exp
    /// can differ from it by an ulp, so a weight by up to three (the tests state that tolerance). Pass PyTorch's own map as
    /// <see cref="StitchOptions.Weights"/> to reproduce it bit for bit.
    /// </remarks>
    /// <param name="height">Window rows.</param>
    /// <param name="width">Window columns.</param>
    /// <param name="sigmaScale">σ as a fraction of the window size (MONAI's default 0.125).</param>
    /// <returns>The map, row-major.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive or <paramref name="sigmaScale"/> is not positive and finite.</exception>
    public static float[] Gaussian(int height, int width, double sigmaScale = 0.125)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if (!(sigmaScale > 0 && double.IsFinite(sigmaScale)))
            throw new ArgumentOutOfRangeException(nameof(sigmaScale), sigmaScale, "sigma_scale must be positive and finite.");
        var gy = Axis(height, sigmaScale);
        var gx = Axis(width, sigmaScale);
        var map = new float[height * width];
        float min = float.MaxValue;
        for (int i = 0; i < height; i++)
        {
            for (int j = 0; j < width; j++)
            {
                float w = gy[i] * gx[j];
                map[i * width + j] = w;
                min = Math.Min(min, w);
            }
        }
        float floor = Math.Max(min, 1e-3f);
        for (int i = 0; i < map.Length; i++)
            map[i] = Math.Max(map[i], floor);
        return map;
    }

    /// <summary>A map of ones (MONAI's constant mode).</summary>
    /// <param name="height">Window rows.</param>
    /// <param name="width">Window columns.</param>
    /// <returns>The map, row-major.</returns>
    public static float[] Constant(int height, int width)
    {
        var map = new float[checked(height * width)];
        Array.Fill(map, 1f);
        return map;
    }

    private static float[] Axis(int n, double sigmaScale)
    {
        double sigma = n * sigmaScale;
        // PyTorch divides the float32 x² by the float64 scalar −2σ², which it first rounds to float32.
        float denominator = (float)(-2 * sigma * sigma);
        var g = new float[n];
        for (int i = 0; i < n; i++)
        {
            float x = -(n - 1) / 2f + i;
            g[i] = (float)Math.Exp(x * x / denominator);
        }
        return g;
    }
}
