using Engine.Search;

namespace Engine.Tests.Search;

/// <summary>Cancellation of the CPU searches: a cancelled token stops the scan within a panel per worker.</summary>
public sealed class SearchCancellationTests
{
    [Fact]
    public void A_cancelled_token_stops_exact_and_int8_searches_before_they_start()
    {
        using var index = new Int8CosineIndex(16);
        var data = CosineIndexTests.RandomRows(500, 16, seed: 1);
        index.Add(data);
        var cancelled = new CancellationToken(canceled: true);
        Assert.Throws<OperationCanceledException>(() => index.Search(data, 5, cancellationToken: cancelled));
        using var exact = new CosineIndex(16);
        exact.Add(data);
        Assert.Throws<OperationCanceledException>(() => exact.Search(data, 5, cancellationToken: cancelled));
    }

    [Fact]
    public void A_cancelled_add_leaves_the_index_as_it_was()
    {
        var first = CosineIndexTests.RandomRows(100, 8, seed: 4);
        var queries = CosineIndexTests.RandomRows(3, 8, seed: 5);
        using var index = new CosineIndex(8);
        index.Add(first, [.. Enumerable.Range(0, 100).Select(i => (long)i)]);
        var before = index.Search(queries, 4);
        Assert.Throws<OperationCanceledException>(() => index.Add(CosineIndexTests.RandomRows(5000, 8, seed: 6),
            [.. Enumerable.Range(100, 5000).Select(i => (long)i)], cancellationToken: new CancellationToken(canceled: true)));
        Assert.Equal(100, index.Count);
        var after = index.Search(queries, 4);
        Assert.Equal(before.Ids, after.Ids);
        Assert.Equal(before.Scores, after.Scores);
        // The index still takes rows, with ids as before.
        index.Add(CosineIndexTests.RandomRows(2, 8, seed: 7), [500, 501]);
        Assert.Equal(102, index.Count);
    }

    [Fact]
    public unsafe void Truncating_the_store_zeroes_the_dropped_lanes()
    {
        using var store = new PanelStore(3);
        for (int r = 0; r < 70; r++)
            store.Append([r + 1, r + 2, r + 3]);
        store.Truncate(65);
        Assert.Equal(65, store.Count);
        var row = new float[3];
        store.CopyRow(64, row);
        Assert.Equal([65f, 66, 67], row);
        for (int lane = 1; lane < PanelStore.Width; lane++)
        {
            for (int d = 0; d < 3; d++)
                Assert.Equal(0f, store.Panel(1)[d * PanelStore.Width + lane]);
        }
    }

    [Fact]
    public void Cancelling_during_a_search_stops_it_promptly()
    {
        // 100,000 rows × 64 dims against 2,000 queries: many seconds of work on two cores. Cancelled when the
        // first block of queries reports, the rest stops within a panel.
        const int dim = 64;
        using var index = new CosineIndex(dim);
        index.Add(CosineIndexTests.RandomRows(100_000, dim, seed: 2));
        var queries = CosineIndexTests.RandomRows(2_000, dim, seed: 3);
        using var source = new CancellationTokenSource();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double cancelledAt = 0;
        var progress = new CancelOnReport(() =>
        {
            cancelledAt = clock.Elapsed.TotalSeconds;
            source.Cancel();
        });
        Assert.Throws<OperationCanceledException>(() => index.Search(queries, 10, progress, cancellationToken: source.Token));
        // Once cancelled, the workers finish their current panel (64 rows × a block) and stop.
        Assert.True(clock.Elapsed.TotalSeconds - cancelledAt < 1.0, $"stopped {clock.Elapsed.TotalSeconds - cancelledAt:F2} s after the cancel");
    }

    /// <summary>Reports synchronously (unlike <see cref="Progress{T}"/>, which posts to a thread pool).</summary>
    private sealed class CancelOnReport(Action cancel) : IProgress<long>
    {
        private int _reported;

        public void Report(long value)
        {
            if (Interlocked.Exchange(ref _reported, 1) == 0)
                cancel();
        }
    }
}
