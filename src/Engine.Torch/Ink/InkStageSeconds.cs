namespace Engine.Torch.Ink;

/// <summary>
/// Seconds per stage of <see cref="InkInference"/>. Reading and tiling run on the loader's prefetch thread, beside
/// the model, so they overlap the other stages; <see cref="Wait"/> is what the model's thread lost to them.
/// </summary>
/// <param name="Setup">Loading the models (libtorch's start-up included), opening the slices, reading the mask and laying the tile grid.</param>
/// <param name="Read">Reading bands of rows from the slices (prefetch thread).</param>
/// <param name="Tile">Cutting tiles out of the bands with scaling and per-tile normalization, which the uint16 path does in one step (prefetch thread).</param>
/// <param name="Wait">The predictor's thread waiting for the next batch.</param>
/// <param name="AroundModel">The predictor's work around the forward passes: the batch's copy into a tensor, test-time augmentation and its undoing, sigmoid, the mean and the copy back; and the engine's NaN/Inf check of the result.</param>
/// <param name="Model">The models' forward passes alone.</param>
/// <param name="Stitch">Upsampling, trimming and accumulating the windows, and writing finished bands of the map to the .npy.</param>
/// <param name="Threshold">Reading the map back, its percentile within the mask and the thresholding.</param>
/// <param name="Write">Writing prob.tif, prob.png, ink.png and overlay.png.</param>
/// <param name="Total">Wall time of the whole run, opening the fragment and loading the models included.</param>
public sealed record InkStageSeconds(double Setup, double Read, double Tile, double Wait, double AroundModel, double Model, double Stitch, double Threshold, double Write, double Total)
{
    /// <summary>The engine's share of the wall time: everything but the models' forward passes, (Total − Model) / Total.</summary>
    public double EngineShare => Total > 0 ? (Total - Model) / Total : 0;
}
