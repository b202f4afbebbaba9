using Engine.Kernels.Search;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Search;

internal static unsafe partial class CosineTopK
{
    /// <summary>
    /// Bytes of the staging lists (queries × slices × k (score, row) pairs) per launch (64 MB): bounds device memory
    /// whatever the number of queries; more queries run in batches.
    /// </summary>
    private const long StagingBytes = 64L << 20;

    /// <summary>Floats per upload of panels; keeps each copy's span within .NET's int length.</summary>
    private const long UploadFloats = 1 << 26;

    /// <summary>
    /// Groups per multiprocessor the database split aims for: a few queries' tiles alone would leave most
    /// multiprocessors idle, so the rows are cut into slices searched in parallel and merged after.
    /// </summary>
    private const int GroupsPerMultiprocessor = 4;

    private const int StagingEntryBytes = sizeof(float) + sizeof(int);

    /// <summary>Copies panels [<paramref name="firstPanel"/>, end) of <paramref name="store"/> to the same place in <paramref name="destination"/>.</summary>
    public static void UploadPanels(KernelLaunch launch, PanelStore store, long firstPanel, ArrayView<float> destination)
    {
        long end = store.Panels * store.PanelLength;
        for (long at = firstPanel * store.PanelLength; at < end; at += UploadFloats)
        {
            long length = Math.Min(UploadFloats, end - at);
            launch.Upload(new ReadOnlySpan<float>(store.Data + at, (int)length), destination.SubView(at, length));
        }
    }

    /// <summary>
    /// Runs <see cref="CosineTopKKernel.Search"/> (and <see cref="CosineTopKKernel.MergeSlices"/>) over panels that are
    /// already on the device; only the queries go up and only the k results per query come back.
    /// </summary>
    /// <param name="launch">The launch the device panels and ids belong to.</param>
    /// <param name="panels">The packed rows on the device, in <see cref="PanelStore"/>'s layout.</param>
    /// <param name="dim">Floats per row.</param>
    /// <param name="rowCount">Rows on the device.</param>
    /// <param name="ids">Id per row on the device (for the order of ties), or a dummy view when <paramref name="hasIds"/> is false.</param>
    /// <param name="hasIds">Whether rows carry ids; else a row's id is its position.</param>
    /// <param name="queries">Row-major queries, prepared (checked and normalized).</param>
    /// <param name="k">Results per query.</param>
    /// <param name="scores">Receives query-major scores, <c>queries × k</c>.</param>
    /// <param name="rows">Receives query-major row positions, <c>queries × k</c>; −1 where the device holds fewer than k rows.</param>
    /// <param name="progress">Receives the running number of queries done.</param>
    /// <param name="cancellationToken">Checked before each batch of queries.</param>
    public static void RunKernel(KernelLaunch launch, ArrayView<float> panels, int dim, int rowCount, ArrayView<long> ids, bool hasIds,
        ReadOnlySpan<float> queries, int k, Span<float> scores, Span<int> rows, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        int count = queries.Length / dim;
        if (count == 0)
            return;
        const int tile = CosineTopKKernel.Tile;
        long fitting = Math.Max(tile, StagingBytes / ((long)k * StagingEntryBytes) / tile * tile);
        int batch = (int)Math.Min(count, fitting);
        int tiles = (batch + tile - 1) / tile;
        long panelCount = (rowCount + (long)tile - 1) / tile;
        long slicesWanted = Math.Min((long)GroupsPerMultiprocessor * launch.Accelerator.NumMultiprocessors / tiles,
            StagingBytes / ((long)batch * k * StagingEntryBytes));
        int panelsPerSlice = (int)((panelCount + Math.Clamp(slicesWanted, 1, panelCount) - 1) / Math.Clamp(slicesWanted, 1, panelCount));
        int slices = (int)((panelCount + panelsPerSlice - 1) / panelsPerSlice);

        var queryBuffer = launch.Allocate<float>((long)batch * dim);
        var bestScores = launch.Allocate<float>((long)slices * batch * k);
        var bestRows = launch.Allocate<int>((long)slices * batch * k);
        var search = launch.Kernel(CosineTopKKernel.Search, a => a.LoadStreamKernel<ArrayView<float>, int, int, ArrayView<long>, int,
            ArrayView<float>, int, int, int, ArrayView<float>, ArrayView<int>>(CosineTopKKernel.Search));
        var merge = launch.Kernel(CosineTopKKernel.MergeSlices, a => a.LoadStreamKernel<ArrayView<float>, ArrayView<int>, int, int, int,
            ArrayView<long>, int>(CosineTopKKernel.MergeSlices));
        for (int first = 0; first < count; first += batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int inBatch = Math.Min(batch, count - first);
            launch.Upload(queries.Slice(first * dim, inBatch * dim), queryBuffer.View);
            search(new KernelConfig(new Index2D((inBatch + tile - 1) / tile, slices), new Index2D(CosineTopKKernel.GroupSize, 1)),
                panels, dim, rowCount, ids, hasIds ? 1 : 0, queryBuffer.View, inBatch, k, panelsPerSlice, bestScores.View, bestRows.View);
            if (slices > 1)
                merge(new KernelConfig(inBatch, CosineTopKKernel.MergeGroupSize), bestScores.View, bestRows.View, inBatch, k, slices, ids, hasIds ? 1 : 0);
            // Slice 0's lists, where the merge left the results, are the staging's first inBatch × k entries.
            launch.Download(bestScores.View, scores.Slice(first * k, inBatch * k));
            launch.Download(bestRows.View, rows.Slice(first * k, inBatch * k));
            progress?.Report(first + inBatch);
        }
    }
}
