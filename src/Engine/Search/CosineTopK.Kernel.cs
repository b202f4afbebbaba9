using System.Numerics;
using Engine.Compute;
using Engine.Kernels.Search;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Search;

internal static unsafe partial class CosineTopK
{
    /// <summary>Floats of one chunk's score buffer (64 MB): bounds device memory whatever the database size.</summary>
    private const long ChunkScoreFloats = 1 << 24;

    /// <summary>Floats per upload of the database; keeps each copy's span within .NET's int length.</summary>
    private const long UploadFloats = 1 << 26;

    /// <summary>Runs <see cref="CosineTopKKernel"/> over the database in chunks and reads the results back.</summary>
    public static void RunKernel(ComputeContext compute, PanelStore store, long[]? rowIds, float[] queries, int count, int k,
        float[] scores, long[] ids)
    {
        int dim = store.Dimension;
        int tiles = (count + CosineTopKKernel.Tile - 1) / CosineTopKKernel.Tile;
        int paddedQueries = tiles * CosineTopKKernel.Tile;
        int keep = (int)BitOperations.RoundUpToPowerOf2((uint)k);
        // At least 512 entries per sort, so a small k still takes hundreds of new scores per window.
        int sortSize = Math.Max(2 * keep, 512);
        long panels = store.Panels;
        int chunkPanels = (int)Math.Clamp(ChunkScoreFloats / ((long)paddedQueries * PanelStore.Width), 1, panels);
        int stride = chunkPanels * PanelStore.Width;
        using var launch = compute.BeginLaunch();
        var panelBuffer = launch.Allocate<float>(panels * store.PanelLength);
        for (long at = 0; at < panels * store.PanelLength; at += UploadFloats)
        {
            long length = Math.Min(UploadFloats, panels * store.PanelLength - at);
            launch.Upload(new ReadOnlySpan<float>(store.Data + at, (int)length), panelBuffer.View.SubView(at, length));
        }
        var padded = new float[(long)paddedQueries * dim];
        queries.AsSpan(0, count * dim).CopyTo(padded);
        var queryBuffer = launch.Upload<float>(padded);
        var idBuffer = launch.Upload<long>(rowIds ?? []);
        var scoreBuffer = launch.Allocate<float>((long)paddedQueries * stride);
        var bestScores = launch.Upload<float>(Enumerable.Repeat(float.NegativeInfinity, count * keep).ToArray());
        var bestRows = launch.Upload<int>(Enumerable.Repeat(-1, count * keep).ToArray());
        var scoreKernel = launch.Kernel(CosineTopKKernel.Scores, a => a.LoadStreamKernel<ArrayView<float>, int,
            ArrayView<float>, int, int, ArrayView<float>, int>(CosineTopKKernel.Scores));
        var mergeKernel = launch.Kernel(CosineTopKKernel.Merge, a => a.LoadStreamKernel<ArrayView<float>, int, int,
            int, int, ArrayView<long>, int, ArrayView<float>, ArrayView<int>, int, int>(CosineTopKKernel.Merge));
        for (long first = 0; first < panels; first += chunkPanels)
        {
            int inChunk = (int)Math.Min(chunkPanels, panels - first);
            scoreKernel(new KernelConfig(new Index2D(inChunk, tiles), new Index2D(CosineTopKKernel.GroupSize, 1)),
                panelBuffer.View, dim, queryBuffer.View, (int)first, (int)store.Count, scoreBuffer.View, stride);
            mergeKernel(new KernelConfig(count, CosineTopKKernel.GroupSize), scoreBuffer.View, stride,
                inChunk * PanelStore.Width, (int)(first * PanelStore.Width), (int)store.Count, idBuffer.View, rowIds is null ? 0 : 1,
                bestScores.View, bestRows.View, keep, sortSize);
        }
        var keptScores = new float[count * keep];
        var keptRows = new int[count * keep];
        launch.Download(bestScores.View, keptScores);
        launch.Download(bestRows.View, keptRows);
        for (int q = 0; q < count; q++)
        {
            for (int i = 0; i < k; i++)
            {
                int row = keptRows[(long)q * keep + i];
                scores[(long)q * k + i] = row < 0 ? float.MinValue : keptScores[(long)q * keep + i];
                ids[(long)q * k + i] = row < 0 ? -1 : rowIds?[row] ?? row;
            }
        }
    }
}
