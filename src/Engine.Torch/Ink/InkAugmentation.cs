namespace Engine.Torch.Ink;

/// <summary>
/// The training tiles' augmentations. The random choices come from the trainer's seeded <see cref="Random"/>, in a
/// fixed order, so a seed gives the same batches every run. Depth (z-shift, slice shuffle) is chosen before the
/// tiles are normalized; geometry, intensity and cutout act on the normalized batch: brightness and contrast
/// would otherwise be undone by the per-tile normalization.
/// </summary>
internal static class InkAugmentation
{
    private const double MaxRotationDegrees = 15, MaxScale = 0.1, MaxShift = 0.06;
    private const double MaxBrightness = 0.2, MaxContrast = 0.2;

    /// <summary>Per tile: the z-shift and the slice order within each group (null: unchanged).</summary>
    public static (int[] Shifts, int[]?[] Shuffle) Depth(InkTileSet set, int count, InkAugmentationOptions options, InkModelConfig model, Random random)
    {
        var shifts = new int[count];
        var shuffle = new int[]?[count];
        for (int b = 0; b < count; b++)
        {
            shifts[b] = set.Below + set.Above == 0 ? 0 : random.Next(-set.Below, set.Above + 1);
            if (random.NextDouble() < options.ChannelShuffle)
            {
                var order = Enumerable.Range(0, model.InputChannels).ToArray();
                for (int g = 0; g < model.Groups; g++)
                    random.Shuffle(order.AsSpan(g * model.ChannelsPerGroup, model.ChannelsPerGroup));
                shuffle[b] = order;
            }
        }
        return (shifts, shuffle);
    }

    /// <summary>Flips and quarter turns, affine warps, brightness/contrast and cutout, per tile; image and labels alike.</summary>
    /// <param name="images">(B, C, T, T) normalized images.</param>
    /// <param name="labels">(B, 1, T, T) labels.</param>
    /// <param name="options">Which augmentations and how often.</param>
    /// <param name="random">The trainer's generator.</param>
    /// <returns>New image and label batches.</returns>
    public static (Tensor Images, Tensor Labels) Apply(Tensor images, Tensor labels, InkAugmentationOptions options, Random random)
    {
        long count = images.shape[0], channels = images.shape[1], tile = images.shape[2];
        using var scope = NewDisposeScope();
        // Image and labels travel together as one (C + 1)-channel tile, so every warp moves both alike.
        var joined = cat([images, labels], 1);
        var tiles = new Tensor[count];
        for (int b = 0; b < count; b++)
        {
            var t = joined[b];
            if (options.Flips)
            {
                int k = random.Next(8);
                if ((k & 4) != 0)
                    t = t.flip(-1);
                if ((k & 3) != 0)
                    t = t.rot90(k & 3, (-2, -1));
            }
            tiles[b] = t;
        }
        Warp(tiles, channels + 1, tile, options.Affine, random);
        for (int b = 0; b < count; b++)
        {
            var image = tiles[b][..(int)channels];
            var label = tiles[b][(int)channels..];
            if (random.NextDouble() < options.BrightnessContrast)
            {
                double contrast = 1 + MaxContrast * (2 * random.NextDouble() - 1);
                double brightness = MaxBrightness * (2 * random.NextDouble() - 1);
                image = image * contrast + brightness;
            }
            if (random.NextDouble() < options.Cutout)
            {
                // One rectangle of whole cells of the output grid, up to half its side each way.
                int cells = (int)(tile / InkModelConfig.OutputStride), stride = InkModelConfig.OutputStride;
                int h = 1 + random.Next(Math.Max(1, cells / 2)), w = 1 + random.Next(Math.Max(1, cells / 2));
                int y = random.Next(cells - h + 1), x = random.Next(cells - w + 1);
                image = image.clone();
                label = label.clone();
                var rows = TensorIndex.Slice(y * stride, (y + h) * stride);
                var columns = TensorIndex.Slice(x * stride, (x + w) * stride);
                image[TensorIndex.Colon, rows, columns] = 0f;
                label[TensorIndex.Colon, rows, columns] = 0f;
            }
            tiles[b] = cat([image, label], 0);
        }
        var result = stack(tiles);
        var outImages = result[.., ..(int)channels].contiguous();
        var outLabels = result[.., (int)channels..].contiguous();
        return (outImages.MoveToOuterDisposeScope(), outLabels.MoveToOuterDisposeScope());
    }

    /// <summary>A random shift, scale and rotation of some tiles, bilinear with zero padding, in one grid_sample.</summary>
    private static void Warp(Tensor[] tiles, long channels, long tile, double probability, Random random)
    {
        var chosen = new List<int>();
        var theta = new List<float>();
        for (int b = 0; b < tiles.Length; b++)
        {
            if (!(random.NextDouble() < probability))
                continue;
            double angle = MaxRotationDegrees * (2 * random.NextDouble() - 1) * Math.PI / 180;
            double scale = 1 + MaxScale * (2 * random.NextDouble() - 1);
            double tx = 2 * MaxShift * (2 * random.NextDouble() - 1), ty = 2 * MaxShift * (2 * random.NextDouble() - 1);
            double cos = Math.Cos(angle) / scale, sin = Math.Sin(angle) / scale;
            chosen.Add(b);
            theta.AddRange([(float)cos, (float)-sin, (float)tx, (float)sin, (float)cos, (float)ty]);
        }
        if (chosen.Count == 0)
            return;
        var batch = stack(chosen.Select(b => tiles[b]));
        var grid = nn.functional.affine_grid(tensor(theta.ToArray(), [chosen.Count, 2, 3]), [chosen.Count, channels, tile, tile], align_corners: false);
        var warped = nn.functional.grid_sample(batch, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);
        for (int i = 0; i < chosen.Count; i++)
            tiles[chosen[i]] = warped[i];
    }
}
