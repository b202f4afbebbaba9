using System.Buffers;

namespace Engine.Detection;

/// <summary>Runs a per-image operation over a batch on every core, one scratch per worker, then packs the outputs.</summary>
internal static class DetectionBatchRunner
{
    // Images per work item: a few hundred microseconds of work, so scheduling costs nothing and cores stay balanced.
    private const int ImagesPerChunk = 8;

    public static DetectionResult Run<TOperation>(DetectionBatch batch, TOperation operation, IProgress<long>? progress,
        CancellationToken cancellationToken = default)
        where TOperation : IImageOperation
    {
        // No operation outputs more boxes than the image has, so each image writes into its input's slot. The
        // slots are pooled: fresh tens of MB per call cost more in page faults and zeroing than fusing them.
        var slots = Slots.Rent(batch.BoxCount);
        try
        {
            var counts = new int[batch.ImageCount];
            ForEachImage(batch, (scratch, i) =>
            {
                int first = batch.BoxStarts[batch.ModelStarts[i]], length = batch.ImageBoxCount(i);
                counts[i] = operation.Run(batch, i, scratch, slots.Boxes.AsSpan(first * 4, length * 4),
                    slots.Scores.AsSpan(first, length), slots.Labels.AsSpan(first, length));
            }, progress, cancellationToken);
            return Pack(batch, slots.Boxes, slots.Scores, slots.Labels, counts);
        }
        finally
        {
            slots.Return();
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> on every image of the batch, on every core with one scratch per worker; reports
    /// the images done to <paramref name="progress"/>. Once <paramref name="cancellationToken"/> is cancelled no
    /// further chunk starts, and the call throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public static void ForEachImage(DetectionBatch batch, Action<DetectionScratch, int> body, IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        long done = 0;
        ParallelChunks.For(batch.ImageCount, ImagesPerChunk, () => new DetectionScratch(), (scratch, start, end) =>
        {
            if (cancellationToken.IsCancellationRequested)
                return;
            for (int i = start; i < end; i++)
                body(scratch, i);
            progress?.Report(Interlocked.Add(ref done, end - start));
        }, static _ => { });
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Per-box output slots of a whole batch, rented from the shared array pools.</summary>
    internal readonly record struct Slots(double[] Boxes, double[] Scores, int[] Labels)
    {
        public static Slots Rent(int boxes) => new(ArrayPool<double>.Shared.Rent(boxes * 4), ArrayPool<double>.Shared.Rent(boxes), ArrayPool<int>.Shared.Rent(boxes));

        public void Return()
        {
            ArrayPool<double>.Shared.Return(Boxes);
            ArrayPool<double>.Shared.Return(Scores);
            ArrayPool<int>.Shared.Return(Labels);
        }
    }

    /// <summary>Moves each image's outputs from its input slot to one contiguous result.</summary>
    internal static DetectionResult Pack(DetectionBatch batch, double[] boxes, double[] scores, int[] labels, int[] counts)
    {
        var starts = new int[counts.Length + 1];
        for (int i = 0; i < counts.Length; i++)
            starts[i + 1] = starts[i] + counts[i];
        int total = starts[^1];
        // Every element is written below.
        var outBoxes = GC.AllocateUninitializedArray<double>(total * 4);
        var outScores = GC.AllocateUninitializedArray<double>(total);
        var outLabels = GC.AllocateUninitializedArray<int>(total);
        for (int i = 0; i < counts.Length; i++)
        {
            int first = batch.BoxStarts[batch.ModelStarts[i]];
            boxes.AsSpan(first * 4, counts[i] * 4).CopyTo(outBoxes.AsSpan(starts[i] * 4));
            scores.AsSpan(first, counts[i]).CopyTo(outScores.AsSpan(starts[i]));
            labels.AsSpan(first, counts[i]).CopyTo(outLabels.AsSpan(starts[i]));
        }
        return new DetectionResult(outBoxes, outScores, outLabels, starts);
    }
}
