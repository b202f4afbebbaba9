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
