namespace Engine.Compute;

/// <summary>
/// The CPU path's parallel loop: one worker per core, each with its own state, pulling fixed-size chunks of
/// the index range until none are left, then merging its state once.
/// </summary>
/// <remarks>
/// Parallel.For's thread-local overload makes a new state for every task replica it schedules — dozens per
/// loop — which for a histogram of a few MB costs more than counting. Here a loop makes at most one state per
/// core.
/// </remarks>
internal static class ParallelChunks
{
    /// <summary>
    /// Elements per work item over a map: 2^20 (4 MB of floats) amortizes the hand-off and still lets two to a few
    /// dozen cores share a map evenly.
    /// </summary>
    public const int MapChunkLength = 1 << 20;

    /// <summary>Runs <paramref name="body"/> over [0, <paramref name="length"/>) in chunks of <paramref name="chunkLength"/>.</summary>
    /// <param name="length">Number of elements.</param>
    /// <param name="chunkLength">Elements per work item.</param>
    /// <param name="createState">Makes one worker's state.</param>
    /// <param name="body">Processes [start, end) into a worker's state.</param>
    /// <param name="merge">Folds a worker's state into the result; called under a lock.</param>
    public static void For<TState>(int length, int chunkLength, Func<TState> createState,
        Action<TState, int, int> body, Action<TState> merge)
    {
        int chunks = (int)(((long)length + chunkLength - 1) / chunkLength);
        int workers = Math.Min(Environment.ProcessorCount, chunks);
        int next = -1;
        var gate = new Lock();
        Parallel.For(0, workers, _ =>
        {
            var state = createState();
            int chunk;
            while ((chunk = Interlocked.Increment(ref next)) < chunks)
            {
                int start = chunk * chunkLength;
                body(state, start, (int)Math.Min(length, (long)start + chunkLength));
            }
            lock (gate)
                merge(state);
        });
    }
}
