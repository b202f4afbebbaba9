using System.Diagnostics;

namespace Engine.Cluster.Ink;

/// <inheritdoc cref="IInkJobGrain"/>
internal sealed class InkJobGrain(ILocalSiloDetails local) : Grain, IInkJobGrain
{
    /// <summary>How often the coordinator asks the running items how they stand: an item's result waits up to this long to be seen.</summary>
    internal static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Status calls in a row that may fail before an item is taken for lost. A call to a killed silo is not refused
    /// but times out, and membership takes longer still to vote it dead; a silo that is alive but missed both calls
    /// costs only a second run of the item, whose outputs are the same.
    /// </summary>
    private const int MissesBeforeLost = 2;

    /// <summary>How long one status call may take: it only reads a field, so a live silo answers at once even while it infers.</summary>
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a silo whose calls failed gets no new item, unless membership drops it sooner: a killed silo stays
    /// in the membership table until the others vote it dead (tens of seconds), and items given to it meanwhile
    /// would be lost again.
    /// </summary>
    private static readonly TimeSpan SuspectFor = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, long> _suspects = new(StringComparer.Ordinal);
    private InkJobRequest? _request;
    private InkJobTracker? _tracker;
    private int[] _misses = [];
    private Task? _drive;

    private string Job => this.GetPrimaryKeyString();

    private string Coordinator => local.SiloAddress.Endpoint.ToString();

    public Task<InkJobProgress> Start(InkJobRequest request)
    {
        if (_tracker is null)
        {
            var items = InkJob.Plan(request);
            _request = request;
            _tracker = new InkJobTracker(items);
            _misses = new int[items.Length];
            _drive = DriveAsync();
        }
        return Task.FromResult(_tracker.Progress(Job, Coordinator));
    }

    public Task<InkJobProgress?> Progress()
    {
        // A coordinator that stopped driving its job says why rather than report a job that never ends.
        if (_drive is { IsFaulted: true })
            return Task.FromException<InkJobProgress?>(_drive.Exception!.GetBaseException());
        return Task.FromResult(_tracker?.Progress(Job, Coordinator));
    }

    /// <summary>Runs on the grain's scheduler until every item is done or failed.</summary>
    private async Task DriveAsync()
    {
        var tracker = _tracker!;
        while (!tracker.Finished)
        {
            // The coordinator has no caller of its own while it drives the job: keep it active.
            DelayDeactivation(TimeSpan.FromMinutes(5));
            var silos = await LiveSilos();
            foreach (var gone in _suspects.Keys.Where(s => !silos.Contains(s) || Stopwatch.GetElapsedTime(_suspects[s]) > SuspectFor).ToArray())
                _suspects.Remove(gone);
            foreach (var (index, silo, attempt) in tracker.Assign(silos.Where(s => !_suspects.ContainsKey(s)).ToList()))
            {
                _misses[index] = 0;
                try
                {
                    await WorkItem(index, silo, attempt).Start(_request!, tracker.Items[index]).WaitAsync(StatusTimeout);
                }
                catch (Exception e)
                {
                    Lost(index, silo, e.Message);
                }
            }
            foreach (var (index, silo, attempt) in tracker.Running.ToArray())
            {
                InkWorkItemStatus status;
                try
                {
                    status = await WorkItem(index, silo, attempt).Status().WaitAsync(StatusTimeout);
                    _misses[index] = 0;
                }
                catch (Exception e)
                {
                    if (++_misses[index] >= MissesBeforeLost || !silos.Contains(silo))
                        Lost(index, silo, e.Message);
                    continue;
                }
                switch (status.State)
                {
                    case InkWorkState.Done:
                        tracker.Completed(index, status.Result!);
                        break;
                    case InkWorkState.Failed:
                        tracker.Failed(index, status.Error!);
                        break;
                    case InkWorkState.Pending:
                        // A fresh activation: the one that ran the item went with its silo.
                        Lost(index, silo, "the run is gone");
                        break;
                }
            }
            await Task.Delay(PollInterval);
        }
    }

    private void Lost(int index, string silo, string why)
    {
        _tracker!.Lost(index, $"{silo}: {why}");
        _suspects[silo] = Stopwatch.GetTimestamp();
    }

    private IInkWorkItemGrain WorkItem(int index, string silo, int attempt) =>
        GrainFactory.GetGrain<IInkWorkItemGrain>(InkWorkItemGrain.Key(Job, _tracker!.Items[index], attempt, silo));

    /// <summary>The active silos' endpoints, sorted so that items spread in the same order every time.</summary>
    private async Task<List<string>> LiveSilos()
    {
        try
        {
            var hosts = await GrainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            return hosts.Keys.Select(s => s.Endpoint.ToString()).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Membership is unavailable for a moment: give nothing new out this round.
            return [];
        }
    }
}
