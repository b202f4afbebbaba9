namespace Engine.Torch.Ink;

/// <summary>
/// A predictor without a model: the probability of each 32 × 32 output cell is the sigmoid of the mean of the
/// normalized tile values under it (all slices), summed in float64 so every backend's tiles give the same
/// probabilities. It lets the engine's stages of inference (read, tile, normalize,
/// stitch, threshold, write) run where libtorch is absent, as in the GPU check (<c>engine verify</c>), and in tests.
/// </summary>
/// <param name="input">What the tiles are: their size and slices.</param>
public sealed class CellMeanPredictor(InkInput input) : IInkPredictor
{
    /// <inheritdoc/>
    public string Name => "cell mean";

    /// <inheritdoc/>
    public string Device => "CPU (cell mean, no model)";

    /// <inheritdoc/>
    public double ModelSeconds { get; private set; }

    /// <summary>Tiles predicted so far.</summary>
    public long Tiles { get; private set; }

    /// <inheritdoc/>
    public void Predict(ReadOnlySpan<float> tiles, int count, long firstWindow, Span<float> probabilities)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int tile = input.Tile, cell = InkModelConfig.OutputStride, cells = tile / cell, channels = input.Slices.Count;
        for (int t = 0; t < count; t++)
            for (int cy = 0; cy < cells; cy++)
                for (int cx = 0; cx < cells; cx++)
                {
                    double sum = 0;
                    for (int c = 0; c < channels; c++)
                        for (int y = 0; y < cell; y++)
                            foreach (float v in tiles.Slice(((t * channels + c) * tile + cy * cell + y) * tile + cx * cell, cell))
                                sum += v;
                    probabilities[(t * cells + cy) * cells + cx] = (float)(1 / (1 + Math.Exp(-sum / (channels * cell * cell))));
                }
        Tiles += count;
        ModelSeconds += clock.Elapsed.TotalSeconds;
    }
}
