namespace Engine.IO;

/// <summary>
/// A picture for a person to judge a prediction by: the probability map (or a slice, or the infrared photo) in
/// gray, with the prediction and the truth coloured over it.
/// </summary>
public static class InkOverlay
{
    /// <summary>Writes the overlay as an RGB PNG.</summary>
    /// <remarks>
    /// Colours: green where prediction and truth agree on ink, red where only the prediction says ink (false
    /// positives), blue where only the truth does (misses); elsewhere the background, clamped to [0, 1], at half
    /// brightness so the colours stand out. Without a truth, predicted ink is green.
    /// </remarks>
    /// <param name="path">The PNG file to write.</param>
    /// <param name="background">The gray background, values in [0, 1].</param>
    /// <param name="predicted">The prediction (non-zero = ink), same size.</param>
    /// <param name="truth">The truth (non-zero = ink), same size, or empty.</param>
    /// <exception cref="ArgumentException">The sizes differ.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, GrayImage<float> background, ReadOnlySpan<byte> predicted, ReadOnlySpan<byte> truth = default)
    {
        int n = background.Pixels.Length;
        if (predicted.Length != n || (!truth.IsEmpty && truth.Length != n))
            throw new ArgumentException($"overlay {path}: the background has {n} pixels, the prediction {predicted.Length} and the truth {truth.Length}; they must match.");
        var rgb = new byte[3 * n];
        for (int i = 0; i < n; i++)
        {
            bool ink = predicted[i] != 0, real = !truth.IsEmpty && truth[i] != 0;
            (byte r, byte g, byte b) = (ink, real) switch
            {
                (true, true) => ((byte)40, (byte)220, (byte)40),
                (true, false) => truth.IsEmpty ? ((byte)40, (byte)220, (byte)40) : ((byte)230, (byte)40, (byte)40),
                (false, true) => ((byte)40, (byte)90, (byte)240),
                _ => Gray(background.Pixels[i]),
            };
            rgb[3 * i] = r;
            rgb[3 * i + 1] = g;
            rgb[3 * i + 2] = b;
        }
        PngEncoder.Write(path, rgb, background.Width, background.Height, channels: 3);
    }

    private static (byte, byte, byte) Gray(float value)
    {
        byte level = float.IsNaN(value) ? (byte)0 : (byte)(Math.Clamp(value, 0f, 1f) * 127f);
        return (level, level, level);
    }
}
