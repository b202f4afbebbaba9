namespace Engine.Torch.Ink;

/// <summary>
/// The 2D parts of a synthetic fragment, made once before its slices: the mask (an irregular blob with holes),
/// the ink strokes (letter-like lines, arcs and curves), surface stains, and the 1D profiles the fibre texture is
/// built from. Everything follows from the seed.
/// </summary>
internal sealed class SyntheticFragmentLayout
{
    // The geometry is designed on a 1,024² fragment and scaled with the smaller side beyond that: strokes of
    // 24–40 px there are one to two cells of the model's 1/32 output.
    private const double DesignSize = 1024;
    private const double GlyphHeight = 100, LinePitch = 150, GlyphPitch = 92;
    private const double StrokeWidthMin = 24, StrokeWidthMax = 40;
    private const int SegmentsPerStroke = 16;

    public SyntheticFragmentLayout(SyntheticFragmentOptions options)
    {
        Width = options.Width;
        Height = options.Height;
        Scale = Math.Max(1, Math.Min(Width, Height) / DesignSize);
        var random = new Random(options.Seed);
        Mask = MakeMask(random);
        Ink = new byte[Mask.Length];
        Labels = new byte[Mask.Length];
        Stains = new byte[Mask.Length];
        DrawText(random);
        DrawStains(random);
        for (int i = 0; i < Mask.Length; i++)
        {
            if (Mask[i] == 0)
                Ink[i] = Labels[i] = Stains[i] = 0;
        }
        FibreRowsA = FibreProfile(Height, random);
        FibreRowsB = FibreProfile(Height, random);
        FibreColumnsA = FibreProfile(Width, random);
        FibreColumnsB = FibreProfile(Width, random);
        RowMix = Wave(Height, 157 * Scale, random);
        ColumnMix = Wave(Width, 143 * Scale, random);
        BrightnessCell = 200 * Scale;
        BrightnessColumns = (int)(Width / BrightnessCell) + 2;
        Brightness = new float[((int)(Height / BrightnessCell) + 2) * BrightnessColumns];
        for (int i = 0; i < Brightness.Length; i++)
            Brightness[i] = (float)(0.85 + 0.3 * random.NextDouble());
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Pixels per pixel of the 1,024² design (at least 1).</summary>
    public double Scale { get; }

    /// <summary>1 inside the fragment.</summary>
    public byte[] Mask { get; }

    /// <summary>Ink coverage × the stroke's strength, 0..255, anti-aliased at the edges.</summary>
    public byte[] Ink { get; }

    /// <summary>1 where a stroke covers the pixel's centre (inside the mask): inklabels.png.</summary>
    public byte[] Labels { get; }

    /// <summary>Stain coverage 0..127, plus 128 for a stain below the ink slices rather than above.</summary>
    public byte[] Stains { get; }

    public float[] FibreRowsA { get; }

    public float[] FibreRowsB { get; }

    public float[] FibreColumnsA { get; }

    public float[] FibreColumnsB { get; }

    public float[] RowMix { get; }

    public float[] ColumnMix { get; }

    /// <summary>A coarse grid of surface brightness factors, bilinearly interpolated per pixel.</summary>
    public float[] Brightness { get; }

    public int BrightnessColumns { get; }

    public double BrightnessCell { get; }

    private byte[] MakeMask(Random random)
    {
        const int Harmonics = 5, Holes = 3;
        var amplitude = new double[Harmonics];
        var phase = new double[Harmonics];
        for (int k = 0; k < Harmonics; k++)
        {
            amplitude[k] = 0.02 + 0.04 * random.NextDouble();
            phase[k] = 2 * Math.PI * random.NextDouble();
        }
        var holes = new (double X, double Y, double R)[Holes];
        double side = Math.Min(Width, Height);
        for (int h = 0; h < Holes; h++)
        {
            double angle = 2 * Math.PI * random.NextDouble(), radius = 0.6 * random.NextDouble();
            holes[h] = (Width / 2.0 * (1 + radius * Math.Cos(angle)), Height / 2.0 * (1 + radius * Math.Sin(angle)),
                side * (0.025 + 0.02 * random.NextDouble()));
        }
        var cosPhase = phase.Select(Math.Cos).ToArray();
        var sinPhase = phase.Select(Math.Sin).ToArray();
        var mask = new byte[Width * Height];
        Parallel.For(0, Height, y =>
        {
            double v = (y + 0.5 - Height / 2.0) / (Height / 2.0);
            for (int x = 0; x < Width; x++)
            {
                double u = (x + 0.5 - Width / 2.0) / (Width / 2.0), rho = Math.Max(Math.Sqrt(u * u + v * v), 1e-12);
                // sin(kθ + φ) as the imaginary part of e^{iφ}·e^{ikθ}, with e^{iθ} = (u + iv)/ρ: no trigonometry per pixel.
                double c = u / rho, s = v / rho, ck = c * c - s * s, sk = 2 * c * s, boundary = 0.9;
                for (int k = 0; k < Harmonics; k++)
                {
                    boundary += 0.9 * amplitude[k] * (sk * cosPhase[k] + ck * sinPhase[k]);
                    (ck, sk) = (ck * c - sk * s, ck * s + sk * c);
                }
                bool inside = u * u + v * v < boundary * boundary;
                foreach (var (hx, hy, hr) in holes)
                    inside &= (x - hx) * (x - hx) + (y - hy) * (y - hy) > hr * hr;
                mask[y * Width + x] = inside ? (byte)1 : (byte)0;
            }
        });
        return mask;
    }

    /// <summary>Lines of "glyphs", each one or two strokes (a straight line, an arc or a curve), some left blank as spaces.</summary>
    private void DrawText(Random random)
    {
        double glyph = GlyphHeight * Scale, margin = 0.3 * glyph;
        for (double top = margin; top + glyph < Height; top += LinePitch * Scale)
        {
            for (double left = margin + glyph * random.NextDouble(); left + glyph < Width; left += GlyphPitch * Scale * (0.85 + 0.3 * random.NextDouble()))
            {
                if (random.NextDouble() < 0.25)
                    continue;
                int strokes = 1 + random.Next(2);
                for (int s = 0; s < strokes; s++)
                {
                    double width = Scale * (StrokeWidthMin + (StrokeWidthMax - StrokeWidthMin) * random.NextDouble());
                    double strength = 0.7 + 0.3 * random.NextDouble();
                    var points = Stroke(random, left, top, glyph * 0.75, glyph);
                    for (int i = 0; i + 1 < points.Length; i++)
                        DrawCapsule(points[i], points[i + 1], width / 2, strength);
                }
            }
        }
    }

    private static (double X, double Y)[] Stroke(Random random, double left, double top, double width, double height)
    {
        (double X, double Y) Point() => (left + width * random.NextDouble(), top + height * random.NextDouble());
        var points = new (double X, double Y)[SegmentsPerStroke + 1];
        switch (random.Next(3))
        {
            case 0: // a straight bar
                var (a, b) = (Point(), Point());
                for (int i = 0; i <= SegmentsPerStroke; i++)
                {
                    double t = (double)i / SegmentsPerStroke;
                    points[i] = (a.X + t * (b.X - a.X), a.Y + t * (b.Y - a.Y));
                }
                break;
            case 1: // a bow
                double radius = height * (0.3 + 0.2 * random.NextDouble());
                double start = 2 * Math.PI * random.NextDouble(), sweep = Math.PI * (0.5 + random.NextDouble());
                double cx = left + width / 2, cy = top + height / 2;
                for (int i = 0; i <= SegmentsPerStroke; i++)
                {
                    double angle = start + sweep * i / SegmentsPerStroke;
                    points[i] = (cx + radius * Math.Cos(angle), cy + radius * Math.Sin(angle));
                }
                break;
            default: // a quadratic curve
                var (p, q, r) = (Point(), Point(), Point());
                for (int i = 0; i <= SegmentsPerStroke; i++)
                {
                    double t = (double)i / SegmentsPerStroke, s = 1 - t;
                    points[i] = (s * s * p.X + 2 * s * t * q.X + t * t * r.X, s * s * p.Y + 2 * s * t * q.Y + t * t * r.Y);
                }
                break;
        }
        return points;
    }

    /// <summary>Ink within <paramref name="radius"/> of the segment a–b; labels where the pixel's centre is inside.</summary>
    private void DrawCapsule((double X, double Y) a, (double X, double Y) b, double radius, double strength)
    {
        int x0 = Math.Max(0, (int)Math.Floor(Math.Min(a.X, b.X) - radius - 1)), x1 = Math.Min(Width - 1, (int)Math.Ceiling(Math.Max(a.X, b.X) + radius + 1));
        int y0 = Math.Max(0, (int)Math.Floor(Math.Min(a.Y, b.Y) - radius - 1)), y1 = Math.Min(Height - 1, (int)Math.Ceiling(Math.Max(a.Y, b.Y) + radius + 1));
        double dx = b.X - a.X, dy = b.Y - a.Y, length2 = Math.Max(dx * dx + dy * dy, 1e-12);
        for (int y = y0; y <= y1; y++)
        {
            for (int x = x0; x <= x1; x++)
            {
                double px = x + 0.5 - a.X, py = y + 0.5 - a.Y;
                double t = Math.Clamp((px * dx + py * dy) / length2, 0, 1);
                double ex = px - t * dx, ey = py - t * dy, distance = Math.Sqrt(ex * ex + ey * ey);
                // One pixel of anti-aliasing: coverage falls from 1 to 0 across the edge.
                double coverage = Math.Clamp(radius + 0.5 - distance, 0, 1);
                if (coverage <= 0)
                    continue;
                int i = y * Width + x;
                Ink[i] = Math.Max(Ink[i], (byte)Math.Round(255 * coverage * strength));
                if (distance <= radius)
                    Labels[i] = 1;
            }
        }
    }

    /// <summary>Round stains that brighten slices just above or just below the ink's, so brightness alone is not ink.</summary>
    private void DrawStains(Random random)
    {
        int count = Math.Max(2, (int)Math.Round(8.0 * Width * Height / (DesignSize * DesignSize * Scale * Scale)));
        for (int s = 0; s < count; s++)
        {
            double cx = Width * random.NextDouble(), cy = Height * random.NextDouble();
            double radius = Scale * (30 + 40 * random.NextDouble());
            byte below = random.NextDouble() < 0.5 ? (byte)128 : (byte)0;
            int x0 = Math.Max(0, (int)(cx - radius)), x1 = Math.Min(Width - 1, (int)(cx + radius));
            int y0 = Math.Max(0, (int)(cy - radius)), y1 = Math.Min(Height - 1, (int)(cy + radius));
            for (int y = y0; y <= y1; y++)
            {
                for (int x = x0; x <= x1; x++)
                {
                    double d = Math.Sqrt((x + 0.5 - cx) * (x + 0.5 - cx) + (y + 0.5 - cy) * (y + 0.5 - cy)) / radius;
                    if (d < 1)
                        Stains[y * Width + x] = (byte)(below | (byte)Math.Round(127 * (1 - d * d)));
                }
            }
        }
    }

    /// <summary>Fibres across a line of pixels: smooth value noise of two scales in [-1, 1].</summary>
    private float[] FibreProfile(int length, Random random)
    {
        var fine = ValueNoise(length, 4 * Scale, random);
        var coarse = ValueNoise(length, 11 * Scale, random);
        var profile = new float[length];
        for (int i = 0; i < length; i++)
            profile[i] = 0.6f * fine[i] + 0.4f * coarse[i];
        return profile;
    }

    private static float[] ValueNoise(int length, double cell, Random random)
    {
        var knots = new double[(int)(length / cell) + 2];
        for (int k = 0; k < knots.Length; k++)
            knots[k] = 2 * random.NextDouble() - 1;
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            double position = i / cell, t = position - Math.Floor(position);
            int k = (int)position;
            double smooth = (1 - Math.Cos(Math.PI * t)) / 2;
            values[i] = (float)(knots[k] + smooth * (knots[k + 1] - knots[k]));
        }
        return values;
    }

    private static float[] Wave(int length, double period, Random random)
    {
        double phase = 2 * Math.PI * random.NextDouble();
        var values = new float[length];
        for (int i = 0; i < length; i++)
            values[i] = (float)(0.5 + 0.5 * Math.Sin(2 * Math.PI * i / period + phase));
        return values;
    }
}
