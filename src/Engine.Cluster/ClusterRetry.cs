namespace Engine.Cluster;

/// <summary>
/// Retries a client's call while the cluster is settling after a silo died: until membership declares the silo
/// dead (seconds to tens of seconds), a call may still be routed to it and fail to connect. The calls retried are
/// idempotent (reading the catalog, searching); a <see cref="ClusterException"/> or a bad argument is an answer,
/// not a transient failure, and is not retried.
/// </summary>
public static class ClusterRetry
{
    /// <summary>How long to keep retrying: membership declares a killed silo dead well within it.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(1);

    /// <summary>Runs <paramref name="call"/>, again after a transient failure, until it succeeds or <see cref="Window"/> has passed.</summary>
    public static async Task<T> RunAsync<T>(Func<Task<T>> call)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (e is not (ClusterException or ArgumentException or OperationCanceledException) && clock.Elapsed + Pause < Window)
            {
                await Task.Delay(Pause);
            }
        }
    }
}
