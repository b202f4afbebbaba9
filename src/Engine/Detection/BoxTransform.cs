namespace Engine.Detection;

/// <summary>
/// A test-time augmentation view of an image and the matching map of boxes: a horizontal flip, then a vertical flip,
/// then <see cref="QuarterTurns"/> counter-clockwise quarter turns (numpy's <c>np.rot90(image, k)</c>), then a resize by
/// <see cref="Scale"/>. Predictions made on the view come back to the original frame with <see cref="InverseBoxes"/>.
/// </summary>
/// <remarks>
/// Boxes are <c>[x1, y1, x2, y2]</c> in normalized coordinates (0 to 1 across the image, x along the width), the
/// continuous frame in which pixel column c spans [c/W, (c+1)/W). A flip maps x to 1 − x; a counter-clockwise quarter
/// turn maps (x, y) to (y, 1 − x), the view being H wide and W high. A resize leaves normalized coordinates unchanged:
/// it matters only for pixel coordinates (<see cref="InverseBoxesFromPixels"/> divides by the view's size).
/// </remarks>
/// <param name="FlipHorizontal">Mirror left–right (first).</param>
/// <param name="FlipVertical">Mirror top–bottom (second).</param>
/// <param name="QuarterTurns">Counter-clockwise quarter turns, 0–3 (third).</param>
/// <param name="Scale">Resize factor (last); positive.</param>
public readonly record struct BoxTransform(bool FlipHorizontal = false, bool FlipVertical = false, int QuarterTurns = 0, double Scale = 1)
{
    /// <summary>The untouched image.</summary>
    public static BoxTransform Identity => new(false, false, 0, 1);

    /// <summary>Parses a view's name: <c>identity</c>, <c>hflip</c>, <c>vflip</c>, <c>hvflip</c>, <c>rot90</c>, <c>rot180</c>, <c>rot270</c>, or <c>scale=1.5</c>; names joined with <c>+</c> compose (<c>hflip+scale=0.8</c>).</summary>
    /// <exception cref="ArgumentException">An unknown name or a scale that is not a positive number.</exception>
    public static BoxTransform Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = Identity;
        foreach (string part in text.Split('+', StringSplitOptions.TrimEntries))
        {
            string name = part.ToLowerInvariant();
            if (name.StartsWith("scale=", StringComparison.Ordinal))
            {
                if (!double.TryParse(name[6..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double s) || !(s > 0) || !double.IsFinite(s))
                    throw new ArgumentException($"TTA view '{text}': the scale must be a positive number.", nameof(text));
                t = t with { Scale = t.Scale * s };
                continue;
            }
            t = name switch
            {
                "identity" or "none" => t,
                "hflip" => t with { FlipHorizontal = !t.FlipHorizontal },
                "vflip" => t with { FlipVertical = !t.FlipVertical },
                "hvflip" => t with { FlipHorizontal = !t.FlipHorizontal, FlipVertical = !t.FlipVertical },
                "rot90" => t with { QuarterTurns = (t.QuarterTurns + 1) % 4 },
                "rot180" => t with { QuarterTurns = (t.QuarterTurns + 2) % 4 },
                "rot270" => t with { QuarterTurns = (t.QuarterTurns + 3) % 4 },
                _ => throw new ArgumentException($"TTA view '{text}': '{part}' is not one of identity, hflip, vflip, hvflip, rot90, rot180, rot270, scale=F.", nameof(text)),
            };
        }
        return t;
    }

    /// <summary>The view's size in pixels for an image of <paramref name="width"/> × <paramref name="height"/> (rounded to the nearest pixel).</summary>
    public (int Width, int Height) ViewSize(int width, int height)
    {
        Validate();
        var (w, h) = QuarterTurns % 2 == 1 ? (height, width) : (width, height);
        return ((int)Math.Round(w * Scale), (int)Math.Round(h * Scale));
    }

    /// <summary>Maps normalized boxes of the original image to the view, in place.</summary>
    /// <param name="boxes"><c>[x1, y1, x2, y2]</c> per box.</param>
    /// <exception cref="ArgumentException">The length is not a multiple of 4, or the transform is invalid.</exception>
    public void ForwardBoxes(Span<double> boxes)
    {
        Validate();
        CheckLength(boxes.Length);
        for (int b = 0; b < boxes.Length; b += 4)
        {
            var box = boxes.Slice(b, 4);
            if (FlipHorizontal)
                FlipX(box);
            if (FlipVertical)
                FlipY(box);
            for (int k = 0; k < QuarterTurns; k++)
                TurnCounterClockwise(box);
        }
    }

    /// <summary>Maps normalized boxes predicted on the view back to the original image, in place.</summary>
    /// <param name="boxes"><c>[x1, y1, x2, y2]</c> per box.</param>
    /// <exception cref="ArgumentException">The length is not a multiple of 4, or the transform is invalid.</exception>
    public void InverseBoxes(Span<double> boxes)
    {
        Validate();
        CheckLength(boxes.Length);
        for (int b = 0; b < boxes.Length; b += 4)
        {
            var box = boxes.Slice(b, 4);
            for (int k = 0; k < QuarterTurns; k++)
                TurnClockwise(box);
            if (FlipVertical)
                FlipY(box);
            if (FlipHorizontal)
                FlipX(box);
        }
    }

    /// <summary>
    /// Maps pixel boxes predicted on the view (of <see cref="ViewSize"/>) back to normalized boxes of the original image,
    /// in place: divided by the view's width and height, then <see cref="InverseBoxes"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The length is not a multiple of 4, a size is not positive, or the transform is invalid.</exception>
    public void InverseBoxesFromPixels(Span<double> boxes, double viewWidth, double viewHeight)
    {
        if (!(viewWidth > 0) || !(viewHeight > 0))
            throw new ArgumentException($"The view's size must be positive; got {viewWidth} × {viewHeight}.", nameof(viewWidth));
        CheckLength(boxes.Length);
        for (int b = 0; b < boxes.Length; b += 4)
        {
            boxes[b] /= viewWidth;
            boxes[b + 1] /= viewHeight;
            boxes[b + 2] /= viewWidth;
            boxes[b + 3] /= viewHeight;
        }
        InverseBoxes(boxes);
    }

    /// <summary>
    /// Makes the view of an image stored row by row with interleaved channels (height × width × channels), without
    /// the resize (a model's own resize does that): flips and quarter turns move pixels exactly.
    /// </summary>
    /// <param name="image">The image, <c>height·width·channels</c> values.</param>
    /// <param name="height">Its height.</param>
    /// <param name="width">Its width.</param>
    /// <param name="channels">Values per pixel.</param>
    /// <param name="view">The output, the same length; <c>width × height</c> after an odd number of quarter turns.</param>
    /// <exception cref="ArgumentException">A size is not positive, the lengths disagree, or the spans overlap.</exception>
    public void ApplyToImage<T>(ReadOnlySpan<T> image, int height, int width, int channels, Span<T> view)
    {
        Validate();
        if (height <= 0 || width <= 0 || channels <= 0)
            throw new ArgumentException($"The image's height, width and channels must be positive; got {height} × {width} × {channels}.", nameof(height));
        long n = (long)height * width * channels;
        if (image.Length != n || view.Length != n)
            throw new ArgumentException($"A {height} × {width} × {channels} image needs {n} values; got {image.Length} in and {view.Length} out.", nameof(image));
        if (image.Overlaps(view))
            throw new ArgumentException("The image and its view must not overlap.", nameof(view));
        bool turned = QuarterTurns % 2 == 1;
        int outWidth = turned ? height : width;
        for (int r = 0; r < height; r++)
        {
            for (int c = 0; c < width; c++)
            {
                // Source pixel (r, c) after the flips sits at (fr, fc) of a height × width image.
                int fr = FlipVertical ? height - 1 - r : r;
                int fc = FlipHorizontal ? width - 1 - c : c;
                // np.rot90 k=1: out[i, j] = in[j, W-1-i], so in (row, col) goes to out (W-1-col, row).
                (int orow, int ocol) = QuarterTurns switch
                {
                    0 => (fr, fc),
                    1 => (width - 1 - fc, fr),
                    2 => (height - 1 - fr, width - 1 - fc),
                    _ => (fc, height - 1 - fr),
                };
                image.Slice((r * width + c) * channels, channels).CopyTo(view.Slice((orow * outWidth + ocol) * channels, channels));
            }
        }
    }

    private void Validate()
    {
        if (QuarterTurns is < 0 or > 3)
            throw new ArgumentException($"QuarterTurns must be 0 to 3; got {QuarterTurns}.", nameof(QuarterTurns));
        if (!(Scale > 0) || !double.IsFinite(Scale))
            throw new ArgumentException($"Scale must be a positive number; got {Scale}.", nameof(Scale));
    }

    private static void CheckLength(int length)
    {
        if (length % 4 != 0)
            throw new ArgumentException($"Boxes are 4 values each ([x1, y1, x2, y2]); got {length} values.", "boxes");
    }

    private static void FlipX(Span<double> b) => (b[0], b[2]) = (1 - b[2], 1 - b[0]);

    private static void FlipY(Span<double> b) => (b[1], b[3]) = (1 - b[3], 1 - b[1]);

    // (x, y) → (y, 1 − x): the box [x1, y1, x2, y2] becomes [y1, 1 − x2, y2, 1 − x1].
    private static void TurnCounterClockwise(Span<double> b) => (b[0], b[1], b[2], b[3]) = (b[1], 1 - b[2], b[3], 1 - b[0]);

    // The inverse, (x, y) → (1 − y, x): [x1, y1, x2, y2] becomes [1 − y2, x1, 1 − y1, x2].
    private static void TurnClockwise(Span<double> b) => (b[0], b[1], b[2], b[3]) = (1 - b[3], b[0], 1 - b[1], b[2]);
}
