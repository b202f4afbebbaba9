using System.Collections;

namespace Engine.Torch;

/// <summary>
/// Feeds a model the tiles of a volume as TorchSharp tensors, like a PyTorch DataLoader over the ink-detection
/// tile dataset: the next batch is cut (read, converted, normalized) on another thread while the model trains on
/// the current one, and each batch is copied once, from the tiler's pooled buffer into the tensor's storage.
/// </summary>
/// <remarks>
/// The copy is deliberate: a tensor that aliased a pooled buffer would see it overwritten by a later batch as
/// soon as the buffer went back to the pool, and libtorch may keep tensors alive (autograd) longer than a step.
/// </remarks>
/// <example>
/// <code>
/// using var volume = TiffVolume.Open("fragment/surface_volume", SliceRange.Parse("15..49"));
/// var grid = TileGrid.Create(mask.Pixels, mask.Width, mask.Height, tile: 256, stride: 32);
/// var tiler = new VolumeTiler(volume, grid, new VolumeTilerOptions { Scale = TileScale.Divide65535, Normalize = true });
/// foreach (var batch in new VolumeTileLoader(tiler, groups: 7))
///     using (batch) { var logits = model.forward(batch.Images); … }
/// </code>
/// </example>
public sealed class VolumeTileLoader : IEnumerable<TileTensors>
{
    private readonly IEnumerable<TileBatch> _batches;
    private readonly int? _groups;

    /// <summary>Creates a loader over <paramref name="tiler"/>'s batches.</summary>
    /// <param name="tiler">Cuts the batches; its batch size is the loader's.</param>
    /// <param name="groups">Shape the images (B, G, C / G, H, W) with this many channel groups; null for (B, C, H, W).</param>
    /// <param name="prefetch">Batches cut ahead of the one being trained on, at least 1.</param>
    /// <param name="limit">Stop after this many tiles; null for all.</param>
    /// <param name="progress">Receives the tiles cut so far (ahead of those consumed, by the prefetch).</param>
    /// <param name="cancellationToken">Stops the cutting; the enumeration then throws <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="prefetch"/> is below 1 or <paramref name="groups"/> is below 1.</exception>
    public VolumeTileLoader(VolumeTiler tiler, int? groups = null, int prefetch = 1, int? limit = null, IProgress<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (groups is < 1)
            throw new ArgumentOutOfRangeException(nameof(groups), groups, "groups must be at least 1.");
        // BatchesAhead checks the prefetch now and starts cutting only when enumerated, afresh each time.
        _batches = tiler.BatchesAhead(prefetch, limit, progress, cancellationToken);
        _groups = groups;
    }

    /// <summary>
    /// Starts cutting on a background thread and yields the batches in the grid's order. A failure while cutting
    /// (a corrupt slice) is rethrown here, as itself. Leaving the loop early stops the cutting.
    /// </summary>
    /// <returns>The batches.</returns>
    public IEnumerator<TileTensors> GetEnumerator()
    {
        TorchRuntime.EnsureLoaded();
        foreach (var batch in _batches)
        {
            TileTensors tensors;
            using (batch)
                tensors = ToTensors(batch);
            yield return tensors;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private TileTensors ToTensors(TileBatch batch)
    {
        long[] shape = Array.ConvertAll(_groups is { } g ? batch.GroupedShape(g) : batch.Shape, d => (long)d);
        var images = empty(shape, ScalarType.Float32);
        // Straight into the tensor's storage in one span copy: TensorAccessor.CopyFrom is about ten times slower (docs/performance.md).
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(batch.Data.Span).CopyTo(images.bytes);
        var origins = empty([batch.Count, 2], ScalarType.Int32);
        origins.data<int>().CopyFrom(batch.Origins.SelectMany(o => new[] { o.Y, o.X }).ToArray());
        return new TileTensors(images, origins);
    }
}
