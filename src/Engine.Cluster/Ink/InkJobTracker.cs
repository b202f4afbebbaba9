using System.Diagnostics;

namespace Engine.Cluster.Ink;

/// <summary>
/// The job coordinator's bookkeeping: which work item runs where, which are done, which must run again. One item
/// runs on a silo at a time (an inference uses every core of its machine); an item lost with its silo goes back
/// to the queue and runs again on a live one, up to <see cref="MaxAttempts"/> starts. A merge item waits until every
/// region of its fragment is done, and fails with the first region that fails.
/// </summary>
public sealed class InkJobTracker
{
    /// <summary>Starts of one item before the job gives it up: each lost silo costs one.</summary>
    public const int MaxAttempts = 3;

    private readonly InkWorkItem[] _items;
    private readonly InkWorkProgress[] _progress;
    private readonly long[] _started;

    /// <summary>Tracks <paramref name="items"/>, all pending.</summary>
    public InkJobTracker(IReadOnlyList<InkWorkItem> items)
    {
        _items = items.ToArray();
        _progress = _items.Select(i => new InkWorkProgress(i.Label, InkWorkState.Pending, 0, null, null, null, 0)).ToArray();
        _started = new long[_items.Length];
    }

    /// <summary>The work items, in order.</summary>
    public IReadOnlyList<InkWorkItem> Items => _items;

    /// <summary>Whether every item is done or failed.</summary>
    public bool Finished => _progress.All(p => p.State is InkWorkState.Done or InkWorkState.Failed);

    /// <summary>Item <paramref name="index"/>'s state.</summary>
    public InkWorkProgress this[int index] => _progress[index];

    /// <summary>Items running now, with their silo and attempt.</summary>
    public IEnumerable<(int Index, string Silo, int Attempt)> Running =>
        Enumerable.Range(0, _items.Length).Where(i => _progress[i].State == InkWorkState.Running)
            .Select(i => (i, _progress[i].Silo!, _progress[i].Attempts));

    /// <summary>Gives pending items, in order, to the <paramref name="silos"/> that run none, and marks them running; a merge waits for its regions.</summary>
    /// <param name="silos">The live silos' endpoints.</param>
    /// <returns>The items started: index, silo and attempt number (1 for the first).</returns>
    public IReadOnlyList<(int Index, string Silo, int Attempt)> Assign(IReadOnlyList<string> silos)
    {
        var busy = Running.Select(r => r.Silo).ToHashSet(StringComparer.Ordinal);
        var free = new Queue<string>(silos.Where(s => !busy.Contains(s)));
        var started = new List<(int, string, int)>();
        for (int i = 0; i < _items.Length && free.Count > 0; i++)
        {
            if (_progress[i].State != InkWorkState.Pending || (_items[i].Kind == InkWorkKind.Merge && !RegionsOf(i).All(r => _progress[r].State == InkWorkState.Done)))
                continue;
            string silo = free.Dequeue();
            _progress[i] = _progress[i] with { State = InkWorkState.Running, Attempts = _progress[i].Attempts + 1, Silo = silo };
            _started[i] = Stopwatch.GetTimestamp();
            started.Add((i, silo, _progress[i].Attempts));
        }
        return started;
    }

    /// <summary>Item <paramref name="index"/> finished with <paramref name="result"/>.</summary>
    public void Completed(int index, InkWorkItemResult result) =>
        _progress[index] = _progress[index] with { State = InkWorkState.Done, Result = result, Seconds = Stopwatch.GetElapsedTime(_started[index]).TotalSeconds };

    /// <summary>Item <paramref name="index"/> failed for a reason a re-run would meet again.</summary>
    public void Failed(int index, string error)
    {
        _progress[index] = _progress[index] with { State = InkWorkState.Failed, Error = error, Seconds = Stopwatch.GetElapsedTime(_started[index]).TotalSeconds };
        FailMergeOf(index);
    }

    /// <summary>Item <paramref name="index"/>'s silo was lost (or lost its run): it runs again elsewhere, unless it has had <see cref="MaxAttempts"/> starts.</summary>
    /// <param name="index">The item.</param>
    /// <param name="why">What happened, kept as the error if the item is given up.</param>
    public void Lost(int index, string why)
    {
        var p = _progress[index];
        _progress[index] = p.Attempts >= MaxAttempts
            ? p with { State = InkWorkState.Failed, Error = $"lost its silo on each of {p.Attempts} attempts; the last: {why}" }
            : p with { State = InkWorkState.Pending };
        FailMergeOf(index);
    }

    /// <summary>The region items of merge item <paramref name="merge"/>'s fragment.</summary>
    private IEnumerable<int> RegionsOf(int merge) =>
        Enumerable.Range(0, _items.Length).Where(i => _items[i].Kind == InkWorkKind.Region && _items[i].Name == _items[merge].Name);

    /// <summary>When a region has failed, its fragment's merge can never run: it fails with the region's error.</summary>
    private void FailMergeOf(int index)
    {
        var p = _progress[index];
        if (_items[index].Kind != InkWorkKind.Region || p.State != InkWorkState.Failed)
            return;
        for (int i = 0; i < _items.Length; i++)
        {
            if (_items[i].Kind == InkWorkKind.Merge && _items[i].Name == _items[index].Name && _progress[i].State == InkWorkState.Pending)
                _progress[i] = _progress[i] with { State = InkWorkState.Failed, Error = $"{p.Name} failed: {p.Error}" };
        }
    }

    /// <summary>A snapshot of every item's state.</summary>
    public InkJobProgress Progress(string job, string coordinator) => new(job, coordinator, _progress.ToArray());
}
