using System.Collections.Concurrent;

namespace Engine.Torch.Identity;

/// <summary>
/// Batches of normalized images in the order given, decoded and resized on worker threads while the consumer uses
/// the previous batch (a few batches ahead, default 2): the model never waits on the files
/// unless decoding is slower than the model.
/// </summary>
public sealed class IdentityLoader : IDisposable
{
    private readonly BlockingCollection<(int Start, float[] Data, int Count)> _ready;
    private readonly CancellationTokenSource _cancel = new();
    private readonly Task _producer;
    private long _decodeTicks;

    /// <summary>Starts decoding.</summary>
    /// <param name="paths">The image files.</param>
    /// <param name="size">The model's input size.</param>
    /// <param name="resize">How photos are brought to a square.</param>
    /// <param name="batch">Images per batch.</param>
    /// <param name="prefetch">Batches decoded ahead of the consumer.</param>
    public IdentityLoader(IReadOnlyList<string> paths, int size, IdentityResize resize, int batch, int prefetch = 2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(prefetch, 1);
        _ready = new BlockingCollection<(int, float[], int)>(prefetch);
        int values = 3 * size * size;
        _producer = Task.Run(() =>
        {
            try
            {
                for (int start = 0; start < paths.Count; start += batch)
                {
                    int count = Math.Min(batch, paths.Count - start);
                    var data = new float[count * values];
                    long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                    Parallel.For(0, count, i =>
                        IdentityImage.Normalize(IdentityImage.Load(paths[start + i], size, resize), data.AsSpan(i * values, values)));
                    Interlocked.Add(ref _decodeTicks, System.Diagnostics.Stopwatch.GetTimestamp() - t0);
                    _ready.Add((start, data, count), _cancel.Token);
                }
            }
            finally
            {
                _ready.CompleteAdding();
            }
        });
    }

    /// <summary>Seconds spent decoding, resizing and normalizing (on the loader's threads).</summary>
    public double DecodeSeconds => (double)Interlocked.Read(ref _decodeTicks) / System.Diagnostics.Stopwatch.Frequency;

    /// <summary>The batches in order: the first image's index, (count, 3, size, size) float32 values, count.</summary>
    /// <exception cref="InvalidDataException">An image cannot be decoded (rethrown from the loader's thread).</exception>
    public IEnumerable<(int Start, float[] Data, int Count)> Batches()
    {
        foreach (var item in _ready.GetConsumingEnumerable())
            yield return item;
        try
        {
            _producer.GetAwaiter().GetResult();
        }
        catch (AggregateException e)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.Flatten().InnerExceptions[0]).Throw();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _cancel.Cancel();
        try
        {
            _producer.Wait();
        }
        catch (AggregateException)
        {
        }
        _ready.Dispose();
        _cancel.Dispose();
    }
}
