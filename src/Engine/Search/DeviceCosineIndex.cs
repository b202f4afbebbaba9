using ILGPU;
using ILGPU.Runtime;

namespace Engine.Search;

/// <summary>
/// A cosine index whose rows live on an ILGPU accelerator (FAISS's <c>GpuIndexFlatIP</c>): <see cref="Add"/> appends
/// the new rows to device memory without sending again what is there, <see cref="Search(ReadOnlySpan{float}, int, IProgress{long}?, CancellationToken)"/>
/// uploads only the queries and downloads only k results per query (<see cref="Kernels.Search.CosineTopKKernel"/>:
/// scoring with the top-k selection fused in), <see cref="Dispose"/> frees the device memory. Results equal
/// <see cref="CosineIndex"/>'s bit for bit. Several indexes may share one <see cref="ComputeContext"/>.
/// </summary>
/// <remarks>
/// <para>A host copy of the rows (a <see cref="CosineIndex"/>) is kept as well: it checks and normalizes added rows
/// with the CPU index's code, holds ids and identities, and serves <see cref="Save"/> and <see cref="Remove"/>.</para>
/// <para>Device memory grows by doubling (a device-to-device copy of what is there); an <see cref="Add"/> sends the
/// new rows and the last partially filled panel of 64 rows, which they share with the rows before. A
/// <see cref="Remove"/> that removes rows sends the rows again, since those behind a removed one move up.</para>
/// <para>Not thread-safe for writes; searches may run concurrently (launches on a context are serialized).</para>
/// </remarks>
public sealed class DeviceCosineIndex : ICosineIndex
{
    private readonly ComputeContext _compute;
    private readonly CosineIndex _host;
    private MemoryBuffer1D<float, Stride1D.Dense>? _panels;
    private MemoryBuffer1D<long, Stride1D.Dense>? _ids;
    private bool _disposed;

    /// <summary>Creates an empty index of <paramref name="dimension"/>-dimensional rows on <paramref name="compute"/>'s accelerator.</summary>
    /// <param name="compute">A context with a kernel backend (<see cref="ComputeBackend.IlgpuCpu"/> or <see cref="ComputeBackend.Cuda"/>).</param>
    /// <param name="dimension">Floats per embedding.</param>
    /// <param name="normalize">L2-normalize every added row and every query.</param>
    /// <exception cref="ArgumentException"><paramref name="compute"/> runs no kernels.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimension"/> is not in [1, <see cref="CosineIndex.MaxDimension"/>].</exception>
    public DeviceCosineIndex(ComputeContext compute, int dimension, bool normalize = false)
        : this(compute, new CosineIndex(dimension, normalize))
    {
    }

    private DeviceCosineIndex(ComputeContext compute, CosineIndex host)
    {
        if (!compute.UsesKernels)
        {
            host.Dispose();
            throw new ArgumentException($"A device index needs a kernel backend; {compute.Backend} runs none (use CosineIndex on the CPU).", nameof(compute));
        }
        _compute = compute;
        _host = host;
        SendNewRows(0, 0);
    }

    /// <summary>Reads an index saved by any <see cref="ICosineIndex"/> and uploads its rows to <paramref name="compute"/>'s accelerator.</summary>
    /// <param name="compute">A context with a kernel backend.</param>
    /// <param name="path">The file.</param>
    /// <exception cref="ArgumentException"><paramref name="compute"/> runs no kernels.</exception>
    /// <exception cref="InvalidDataException">The file is not an index file, is truncated or corrupt.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static DeviceCosineIndex Load(ComputeContext compute, string path) => new(compute, CosineIndex.Load(path));

    /// <inheritdoc/>
    public int Dimension => _host.Dimension;

    /// <inheritdoc/>
    public bool Normalize => _host.Normalize;

    /// <inheritdoc/>
    public long Count => _host.Count;

    /// <inheritdoc/>
    public bool HasIds => _host.HasIds;

    /// <summary>Floats of device memory reserved for rows (whole panels of 64 rows); grows by doubling.</summary>
    public long DeviceCapacityFloats => _panels?.Length ?? 0;

    /// <summary>Adds rows, checked and normalized as <see cref="CosineIndex.Add"/> does, and appends them on the device.</summary>
    /// <param name="embeddings">Row-major, a multiple of <see cref="Dimension"/> floats.</param>
    /// <param name="ids">One id per row, or empty to number rows by position.</param>
    /// <param name="identities">One non-negative identity label per row, or empty.</param>
    /// <exception cref="ArgumentException">As for <see cref="CosineIndex.Add"/>, or the rows would not fit in the device's
    /// memory; the index is then unchanged.</exception>
    /// <param name="cancellationToken">Stops the add before anything is sent, leaving the index as it was.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public void Add(ReadOnlySpan<float> embeddings, ReadOnlySpan<long> ids = default, ReadOnlySpan<int> identities = default,
        CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long before = _host.Count;
        long bytes = DeviceBytes(PanelsFor(before + (embeddings.Length + Dimension - 1) / Dimension));
        long memory = _compute.Accelerator.MemorySize;
        if (bytes > memory)
            throw new ArgumentException($"{before + embeddings.Length / Dimension} rows × {Dimension} dims need {bytes >> 20} MiB of device memory for rows and ids, but the device has {memory >> 20} MiB.", nameof(embeddings));
        _host.Add(embeddings, ids, identities, cancellationToken);
        SendNewRows(before / PanelStore.Width, before);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">As for <see cref="CosineIndex.Search(ReadOnlySpan{float}, int, IProgress{long}?, ComputeContext?, CancellationToken)"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is not in [1, <see cref="CosineIndex.MaxK"/>].</exception>
    /// <exception cref="InvalidOperationException">The index is empty.</exception>
    public SearchResult Search(ReadOnlySpan<float> queries, int k, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var (prepared, count) = _host.PrepareQueries(queries, k);
        var scores = new float[(long)count * k];
        var ids = new long[(long)count * k];
        SearchPrepared(prepared, count, k, scores, ids, progress, cancellationToken);
        return new SearchResult(scores, ids, count, k);
    }

    /// <inheritdoc/>
    public void Search(ReadOnlySpan<float> queries, int k, Span<float> scores, Span<long> ids, IProgress<long>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var (prepared, count) = _host.PrepareQueries(queries, k);
        CosineIndex.CheckResultSpans(scores, ids, count, k);
        SearchPrepared(prepared, count, k, scores, ids, progress, cancellationToken);
    }

    private void SearchPrepared(float[] prepared, int count, int k, Span<float> scores, Span<long> ids, IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (count == 0)
            return;
        var rows = new int[(long)count * k];
        using (var launch = _compute.BeginLaunch())
        {
            CosineTopK.RunKernel(launch, _panels!.View, Dimension, (int)Count, _ids!.View, HasIds, prepared, k, scores, rows,
                progress, cancellationToken);
        }
        _host.ResolveRows(rows, scores, ids);
    }

    /// <summary>Removes the rows with the given ids (FAISS's <c>remove_ids</c>), with <see cref="CosineIndex.Remove"/>'s rules; unknown ids are ignored.</summary>
    /// <param name="ids">Ids to remove.</param>
    /// <returns>The number of rows removed.</returns>
    public long Remove(ReadOnlySpan<long> ids)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        long removed = _host.Remove(ids);
        if (removed > 0)
            SendNewRows(0, 0);
        return removed;
    }

    /// <summary>Removes every row; the device memory is kept for the next rows.</summary>
    public void Reset()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _host.Reset();
    }

    /// <inheritdoc/>
    public void Save(string path) => _host.Save(path);

    /// <summary>
    /// Sends panels [<paramref name="firstPanel"/>, end) and the ids of rows [<paramref name="firstRow"/>, end) to the
    /// device, doubling the device buffers first when they are too small.
    /// </summary>
    private void SendNewRows(long firstPanel, long firstRow)
    {
        var store = _host.Store;
        using var launch = _compute.BeginLaunch();
        long neededFloats = Math.Max(store.Panels, 1) * store.PanelLength;
        if (_panels is null || _panels.Length < neededFloats)
        {
            long capacityPanels = Math.Max(store.Panels, 2 * ((_panels?.Length ?? 0) / store.PanelLength));
            if (DeviceBytes(capacityPanels) > launch.Accelerator.MemorySize)
                capacityPanels = store.Panels;
            var panels = launch.AllocateResident<float>(Math.Max(capacityPanels, 1) * store.PanelLength);
            var ids = launch.AllocateResident<long>(Math.Max(capacityPanels, 1) * PanelStore.Width);
            if (_panels is not null && firstPanel > 0)
            {
                // What is on the device stays there: copied device to device, never sent again.
                _panels.View.SubView(0, firstPanel * store.PanelLength).CopyTo(panels.View.SubView(0, firstPanel * store.PanelLength));
                _ids!.View.SubView(0, firstRow).CopyTo(ids.View.SubView(0, firstRow));
            }
            _panels?.Dispose();
            _ids?.Dispose();
            (_panels, _ids) = (panels, ids);
        }
        CosineTopK.UploadPanels(launch, store, firstPanel, _panels.View);
        if (_host.RowIds is { } rowIds)
            launch.Upload<long>(CollectionsMarshal.AsSpan(rowIds)[(int)firstRow..], _ids!.View.SubView(firstRow, rowIds.Count - firstRow));
    }

    private static long PanelsFor(long rows) => (rows + PanelStore.Width - 1) / PanelStore.Width;

    /// <summary>Device bytes for <paramref name="panels"/> panels of rows and their ids.</summary>
    private long DeviceBytes(long panels) => panels * PanelStore.Width * ((long)Dimension * sizeof(float) + sizeof(long));

    /// <summary>Frees the device memory and the host copy.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        // A disposed context has freed its accelerator's memory with it.
        if (!_compute.IsDisposed)
        {
            using (_compute.BeginLaunch())
            {
                _panels?.Dispose();
                _ids?.Dispose();
            }
        }
        _host.Dispose();
    }
}
