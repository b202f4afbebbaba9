namespace Engine.Torch;

/// <summary>Feeding a <see cref="SlidingWindowStitcher"/> straight from a TorchSharp model's output.</summary>
public static class SlidingWindowStitcherTensors
{
    /// <summary>Adds a batch of predictions held in tensors (copied to the CPU as float32 first).</summary>
    /// <param name="stitcher">The stitcher.</param>
    /// <param name="predictions">(N, h, w) or (N, 1, h, w) predictions, any floating type and device.</param>
    /// <param name="origins">(N, 2) integer (y, x) window origins in full-resolution pixels.</param>
    /// <exception cref="ArgumentException">A shape does not fit, or as for <see cref="SlidingWindowStitcher.Add"/>.</exception>
    public static void Add(this SlidingWindowStitcher stitcher, Tensor predictions, Tensor origins)
    {
        long[] shape = predictions.shape;
        bool fits = shape.Length == 3 || (shape.Length == 4 && shape[1] == 1);
        if (!fits || shape[^2] != stitcher.TileHeight || shape[^1] != stitcher.TileWidth)
            throw new ArgumentException($"predictions has shape ({string.Join(", ", shape)}); the stitcher takes (N, {stitcher.TileHeight}, {stitcher.TileWidth}) or (N, 1, {stitcher.TileHeight}, {stitcher.TileWidth}).", nameof(predictions));
        if (origins.shape is not [var n, 2] || n != shape[0])
            throw new ArgumentException($"origins has shape ({string.Join(", ", origins.shape)}); it must be ({shape[0]}, 2) of (y, x).", nameof(origins));
        if (is_floating_point(origins) || is_complex(origins) || origins.dtype == ScalarType.Bool)
            throw new ArgumentException($"origins is {origins.dtype}; window origins are integers.", nameof(origins));
        using var values = predictions.detach().to(ScalarType.Float32, CPU).contiguous();
        using var corners = origins.to(ScalarType.Int32, CPU).contiguous();
        stitcher.Add(values.data<float>().ToArray(), corners.data<int>().ToArray());
    }
}
