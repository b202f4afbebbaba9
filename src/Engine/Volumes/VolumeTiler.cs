using System.Collections.Concurrent;
using System.Numerics.Tensors;

namespace Engine.Volumes;

/// <summary>
/// Cuts the tiles of a <see cref="TileGrid"/> out of a <see cref="TiffVolume"/> into float32 (B, C, H, W) batches
/// (C = the volume's slices), streaming the volume in bands of rows so that memory stays under
/// <see cref="VolumeTilerOptions.MemoryBudget"/> whatever the volume's size: a band holds as many rows of every
/// slice as the budget allows, every tile whose rows lie in it is cut, and the next band starts at the next
/// tile row (rows shared by two bands, tile − stride of them, are read twice).
/// </summary>
public sealed class VolumeTiler
{
    private readonly TiffVolume _volume;
    private readonly TileGrid _grid;
    private readonly VolumeTilerOptions _options;
    private readonly ConcurrentBag<float[]> _free = [];
    private long _heldBytes;
    private long _peakBytes;
    private long _bytesRead;
    private long _readTicks;
    private long _cutTicks;
    private byte[]? _band;
    private readonly bool _onDevice;
    private readonly bool _staged;

    /// <summary>Plans the bands of <paramref name="grid"/> over <paramref name="volume"/>.</summary>
    /// <param name="volume">The open volume; its slices are the channels.</param>
    /// <param name="grid">Tiles to cut, over the volume's width and height.</param>
    /// <param name="options">Batch size, scaling, normalization, memory budget; null for the defaults.</param>
    /// <exception cref="ArgumentException">The grid's size differs from the volume's or the cache's, a batch would exceed a .NET array, or the budget cannot hold one band of tile rows plus the batches.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The batch size or pooled batches are below 1, or the scale is not defined.</exception>
    public VolumeTiler(TiffVolume volume, TileGrid grid, VolumeTilerOptions? options = null)
    {
        _volume = volume;
        _grid = grid;
        _options = options ?? new VolumeTilerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.BatchSize, 1, "options.BatchSize");
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.PooledBatches, 1, "options.PooledBatches");
        if (!Enum.IsDefined(_options.Scale))
            throw new ArgumentOutOfRangeException("options.Scale", _options.Scale, "Unknown tile scale.");
        if (_options.Cache is { Header: var cached } && (cached.Width, cached.Height, cached.Slices, cached.BytesPerSample) != (volume.Width, volume.Height, volume.SliceCount, volume.BytesPerSample))
            throw new ArgumentException($"The tile cache in {_options.Cache.Directory} holds {cached.Slices} slices of {cached.Width}×{cached.Height}, not {volume.Source}'s {volume.SliceCount} of {volume.Width}×{volume.Height}.", nameof(options));
        if (grid.Width != volume.Width || grid.Height != volume.Height)
            throw new ArgumentException($"The tile grid is over {grid.Width}×{grid.Height} pixels but {volume.Source}'s slices are {volume.Width}×{volume.Height}; the mask must match the slices.", nameof(grid));

        TileLength = (long)volume.SliceCount * grid.Tile * grid.Tile;
        if (_options.BatchSize * TileLength > Array.MaxLength)
            throw new ArgumentException($"A batch of {_options.BatchSize} tiles of {volume.SliceCount} × {grid.Tile} × {grid.Tile} holds {_options.BatchSize * TileLength:N0} values, more than one .NET array holds ({Array.MaxLength:N0}); use smaller batches.", nameof(options));
        BatchBytes = _options.BatchSize * TileLength * sizeof(float);
        _onDevice = _options.Normalize && _options.Compute is { UsesKernels: true };
        _staged = _onDevice && volume.SampleType == VolumeSampleType.UInt16;
        long scratch = _staged ? _options.BatchSize * TileLength * sizeof(ushort) : Environment.ProcessorCount * TileLength * sizeof(ushort);
        long rowBytes = (long)volume.SliceCount * volume.Width * volume.BytesPerSample;
        long forBand = _options.MemoryBudget - _options.PooledBatches * BatchBytes - scratch;
        long needed = _options.PooledBatches * BatchBytes + scratch + grid.Tile * rowBytes;
        if (forBand < grid.Tile * rowBytes)
            throw new ArgumentException($"A memory budget of {_options.MemoryBudget:N0} bytes is too small for {volume.SliceCount} slices of {volume.Width} px in tiles of {grid.Tile}: one band of {grid.Tile} rows and {_options.PooledBatches} batches of {_options.BatchSize} need {needed:N0} bytes.", nameof(options));
        ReadsAhead = _options.ReadAhead && forBand / 2 >= grid.Tile * rowBytes;
        if (ReadsAhead)
            forBand /= 2;
        // One array holds the band, so it stops at .NET's largest array; a bigger budget buys nothing more.
        BandRows = (int)Math.Min(Math.Min(forBand, Array.MaxLength) / rowBytes, grid.PaddedHeight);
        BandBytes = Math.Min(BandRows, volume.Height) * rowBytes;
    }

    /// <summary>Values per tile: C × H × W.</summary>
    public long TileLength { get; }

    /// <summary>Bytes of one batch buffer.</summary>
    public long BatchBytes { get; }

    /// <summary>Rows of every slice one band may hold.</summary>
    public int BandRows { get; }

    /// <summary>Whether the next band is read while this one is cut: asked for, and the budget holds two bands of a tile row.</summary>
    public bool ReadsAhead { get; }

    /// <summary>Bytes of the band buffer.</summary>
    public long BandBytes { get; }

    /// <summary>Decoded sample bytes read from the volume so far (rows shared by two bands count twice).</summary>
    public long BytesRead => Interlocked.Read(ref _bytesRead);

    /// <summary>The most bytes of band and batch buffers held at once so far — what the budget bounds.</summary>
    public long PeakBytes => Interlocked.Read(ref _peakBytes);

    /// <summary>Time spent reading bands from the TIFFs (or the cache) so far, summed over enumerations.</summary>
    public TimeSpan ReadTime => System.Diagnostics.Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _readTicks));

    /// <summary>
    /// Time spent cutting tiles out of the bands so far, scaling and normalization included: the uint16 path
    /// normalizes as it cuts (<see cref="PatchNormalization.NormalizeWindow"/>), so the two are one step.
    /// </summary>
    public TimeSpan CutTime => System.Diagnostics.Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _cutTicks));

    /// <summary>
    /// The batches, in the grid's row-major order. Dispose each batch when done with it, so its buffer returns to
    /// the pool; each call re-reads the volume.
    /// </summary>
    /// <param name="limit">Stop after this many tiles; null for all.</param>
    /// <param name="progress">Receives the number of tiles cut so far after each batch.</param>
    /// <param name="cancellationToken">Checked before each batch; a band being read ahead is finished, then dropped.</param>
    /// <returns>The batches, filled lazily as the enumeration advances.</returns>
    /// <exception cref="InvalidDataException">A slice file is truncated or corrupt; the message names it.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public IEnumerable<TileBatch> Batches(int? limit = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var origins = _grid.Origins.ToArray();
        int total = Math.Min(origins.Length, limit ?? int.MaxValue);
        var bands = PlanBands(origins, total);
        // The band outlives an enumeration, so that epochs reuse it instead of faulting in fresh pages each time;
        // an enumeration running beside another gets one of its own.
        byte[] band = Interlocked.Exchange(ref _band, null) ?? Hold(GC.AllocateUninitializedArray<byte>((int)BandBytes));
        byte[]? ahead = ReadsAhead && bands.Count > 1 ? Hold(GC.AllocateUninitializedArray<byte>((int)BandBytes)) : null;
        ushort[] staging = _staged ? Hold(new ushort[_options.BatchSize * TileLength]) : [];
        Task? reading = null;
        try
        {
            float[]? batch = null;
            int filled = 0, done = 0;
            if (bands.Count > 0)
                ReadBand(bands[0], band);
            for (int b = 0; b < bands.Count; b++)
            {
                var (first, end, y0, y1) = bands[b];
                if (ahead is not null && b + 1 < bands.Count)
                {
                    var (next, buffer) = (bands[b + 1], ahead);
                    reading = Task.Run(() => ReadBand(next, buffer), CancellationToken.None);
                }
                for (int next = first; next < end;)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    batch ??= Rent();
                    int take = Math.Min(_options.BatchSize - filled, end - next);
                    long cutStart = System.Diagnostics.Stopwatch.GetTimestamp();
                    CutTiles(band, y0, y1, origins, next, take, batch, staging, filled);
                    filled += take;
                    next += take;
                    bool full = filled == _options.BatchSize;
                    if (full)
                        NormalizeOnDevice(batch, staging, filled);
                    Interlocked.Add(ref _cutTicks, System.Diagnostics.Stopwatch.GetTimestamp() - cutStart);
                    if (full)
                    {
                        done += filled;
                        yield return MakeBatch(batch, filled, origins, done);
                        progress?.Report(done);
                        batch = null;
                        filled = 0;
                    }
                }
                if (reading is not null)
                {
                    // The read's own exception (a corrupt slice, named), not an AggregateException.
                    reading.GetAwaiter().GetResult();
                    reading = null;
                    (band, ahead) = (ahead!, band);
                }
                else if (b + 1 < bands.Count)
                    ReadBand(bands[b + 1], band);
            }
            if (filled > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long cutStart = System.Diagnostics.Stopwatch.GetTimestamp();
                NormalizeOnDevice(batch!, staging, filled);
                Interlocked.Add(ref _cutTicks, System.Diagnostics.Stopwatch.GetTimestamp() - cutStart);
                done += filled;
                yield return MakeBatch(batch!, filled, origins, done);
                progress?.Report(done);
            }
        }
        finally
        {
            // A band still being read writes into its buffer: let it finish before the buffer is given back.
            try
            {
                reading?.Wait(CancellationToken.None);
            }
            catch (AggregateException)
            {
                // The enumeration is already ending with its own exception or was left early.
            }
            if (Interlocked.CompareExchange(ref _band, band, null) is not null)
                Release(band.Length);
            if (ahead is not null)
                Release(ahead.Length);
            Release((long)staging.Length * sizeof(ushort));
        }
    }

    /// <summary>
    /// <see cref="Batches"/> cut on a background thread, up to <paramref name="prefetch"/> batches ahead of the
    /// consumer, as a DataLoader's worker does. A failure while cutting (a corrupt slice) is rethrown here, as
    /// itself; leaving the loop early stops the cutting and gives back what was cut ahead.
    /// </summary>
    /// <param name="prefetch">Batches cut ahead of the one being consumed, at least 1.</param>
    /// <param name="limit">Stop after this many tiles; null for all.</param>
    /// <param name="progress">Receives the tiles cut so far (ahead of those consumed).</param>
    /// <param name="cancellationToken">Stops the cutting; the enumeration then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The batches in the grid's order; dispose each.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="prefetch"/> is below 1.</exception>
    public IEnumerable<TileBatch> BatchesAhead(int prefetch = 1, int? limit = null, IProgress<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(prefetch, 1);
        return Ahead(prefetch, limit, progress, cancellationToken);
    }

    private IEnumerable<TileBatch> Ahead(int prefetch, int? limit, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        using var ready = new BlockingCollection<TileBatch>(prefetch);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(() =>
        {
            try
            {
                foreach (var batch in Batches(limit, progress, stop.Token))
                {
                    try
                    {
                        ready.Add(batch, stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        batch.Dispose();
                        throw;
                    }
                }
            }
            finally
            {
                ready.CompleteAdding();
            }
        }, CancellationToken.None);
        try
        {
            foreach (var batch in ready.GetConsumingEnumerable())
                yield return batch;
            producer.GetAwaiter().GetResult();
        }
        finally
        {
            stop.Cancel();
            try
            {
                producer.Wait(CancellationToken.None);
            }
            catch (AggregateException)
            {
                // Already rethrown above when the loop ran to its end; after an early exit nobody wants it.
            }
            while (ready.TryTake(out var unused))
                unused.Dispose();
        }
    }

    /// <summary>
    /// The bands of one enumeration: tiles [First, End) and the rows [Y0, Y1) they need, from a tile row down as
    /// far as <see cref="BandRows"/> allows, whole tiles only.
    /// </summary>
    private List<(int First, int End, int Y0, int Y1)> PlanBands(TileOrigin[] origins, int total)
    {
        var bands = new List<(int, int, int, int)>();
        int tile = _grid.Tile;
        for (int first = 0; first < total;)
        {
            int y0 = origins[first].Y, end = first;
            while (end < total && origins[end].Y + tile - y0 <= BandRows)
                end++;
            bands.Add((first, end, y0, Math.Min(origins[end - 1].Y + tile, _volume.Height)));
            first = end;
        }
        return bands;
    }

    private void ReadBand((int First, int End, int Y0, int Y1) plan, byte[] band)
    {
        var (_, _, y0, y1) = plan;
        if (y1 <= y0)
            return;
        int width = _volume.Width;
        long readStart = System.Diagnostics.Stopwatch.GetTimestamp();
        if (_options.Cache is { } cache)
            cache.ReadBand(y0, y1, 0, width, band);
        else
            _volume.ReadBand(y0, y1, 0, width, band);
        Interlocked.Add(ref _bytesRead, (long)(y1 - y0) * width * _volume.SliceCount * _volume.BytesPerSample);
        Interlocked.Add(ref _readTicks, System.Diagnostics.Stopwatch.GetTimestamp() - readStart);
    }

    private TileBatch MakeBatch(float[] buffer, int count, TileOrigin[] origins, int done) =>
        new(buffer, _volume.SliceCount, _grid.Tile, origins[(done - count)..done], Return);

    /// <summary>On a kernel backend, normalizes the batch's first <paramref name="count"/> tiles on the device.</summary>
    private void NormalizeOnDevice(float[] batch, ushort[] staging, int count)
    {
        if (!_onDevice)
            return;
        float divisor = Divisor;
        var output = batch.AsSpan(0, (int)(count * TileLength));
        if (_staged)
            PatchNormalization.Normalize(staging.AsSpan(0, output.Length), (int)TileLength, divisor, output, _options.Compute);
        else
            PatchNormalization.Normalize(output, (int)TileLength, output, _options.Compute);
    }

    private float Divisor => _options.Scale switch { TileScale.Divide65535 => 65535f, TileScale.Divide255 => 255f, _ => 1f };

    private void CutTiles(byte[] band, int y0, int y1, TileOrigin[] origins, int first, int count, float[] batch, ushort[] staging, int slot)
    {
        float divisor = Divisor;
        int tile = _grid.Tile, width = _volume.Width;
        long channelStride = (long)(y1 - y0) * width;
        Parallel.For(0, count, i =>
        {
            var output = batch.AsSpan((int)((slot + i) * TileLength), (int)TileLength);
            var origin = origins[first + i];
            if (_staged)
            {
                GatherUInt16(band, y0, y1, origin, staging.AsSpan((int)((slot + i) * TileLength), (int)TileLength));
            }
            else if (_onDevice)
            {
                Gather(band, y0, y1, origin, output, divisor);
            }
            else if (_options.Normalize && _volume.SampleType == VolumeSampleType.UInt16)
            {
                // Straight from the band's rows: no copy of the tile, and its padding never touched until written.
                int rows = Math.Min(tile, y1 - origin.Y), columns = Math.Min(tile, width - origin.X);
                var samples = MemoryMarshal.Cast<byte, ushort>(band.AsSpan());
                unsafe
                {
                    fixed (ushort* start = &samples[(origin.Y - y0) * width + origin.X])
                    fixed (float* target = output)
                        PatchNormalization.NormalizeWindow(start, channelStride, width, _volume.SliceCount, rows, columns, tile, divisor, target);
                }
            }
            else
            {
                Gather(band, y0, y1, origin, output, divisor);
                if (_options.Normalize)
                    PatchNormalization.NormalizePatch(output, output);
            }
        });
    }

    /// <summary>Copies one uint16 tile out of the band as it is, zeros where it hangs past the slice.</summary>
    private void GatherUInt16(byte[] band, int y0, int y1, TileOrigin origin, Span<ushort> tile)
    {
        int side = _grid.Tile, width = _volume.Width;
        int columns = Math.Min(side, width - origin.X);
        var samples = MemoryMarshal.Cast<byte, ushort>(band.AsSpan());
        long sliceSamples = (long)(y1 - y0) * width;
        tile.Clear();
        for (int c = 0; c < _volume.SliceCount; c++)
        {
            for (int r = 0; r < side && origin.Y + r < y1; r++)
                samples.Slice((int)(c * sliceSamples + (long)(origin.Y + r - y0) * width + origin.X), columns).CopyTo(tile.Slice(((c * side) + r) * side));
        }
    }

    /// <summary>Copies one tile out of the band as scaled float32, zeros where it hangs past the slice.</summary>
    private void Gather(byte[] band, int y0, int y1, TileOrigin origin, Span<float> tile, float divisor)
    {
        int side = _grid.Tile, bytes = _volume.BytesPerSample, width = _volume.Width;
        int columns = Math.Max(0, Math.Min(side, width - origin.X));
        long sliceBytes = (long)(y1 - y0) * width * bytes;
        tile.Clear();
        if (columns == 0)
            return;
        for (int c = 0; c < _volume.SliceCount; c++)
        {
            for (int r = 0; r < side && origin.Y + r < y1; r++)
            {
                var source = band.AsSpan((int)(c * sliceBytes + ((long)(origin.Y + r - y0) * width + origin.X) * bytes), columns * bytes);
                var target = tile.Slice(((c * side) + r) * side, columns);
                switch (_volume.SampleType)
                {
                    case VolumeSampleType.UInt8: TensorPrimitives.ConvertTruncating(source, target); break;
                    case VolumeSampleType.UInt16: TensorPrimitives.ConvertTruncating(MemoryMarshal.Cast<byte, ushort>(source), target); break;
                    default: MemoryMarshal.Cast<byte, float>(source).CopyTo(target); break;
                }
                if (divisor != 1f)
                    TensorPrimitives.Divide(target, divisor, target);
            }
        }
    }

    private float[] Rent()
    {
        if (_free.TryTake(out var buffer))
            return Hold(buffer);
        return Hold(GC.AllocateUninitializedArray<float>((int)(_options.BatchSize * TileLength)));
    }

    private void Return(float[] buffer)
    {
        Release((long)buffer.Length * sizeof(float));
        _free.Add(buffer);
    }

    private T[] Hold<T>(T[] buffer) where T : unmanaged
    {
        long held = Interlocked.Add(ref _heldBytes, (long)buffer.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        long peak;
        while (held > (peak = Interlocked.Read(ref _peakBytes)) && Interlocked.CompareExchange(ref _peakBytes, held, peak) != peak)
        {
        }
        return buffer;
    }

    private void Release(long bytes) => Interlocked.Add(ref _heldBytes, -bytes);
}
