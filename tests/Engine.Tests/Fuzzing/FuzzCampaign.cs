using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Engine.Tests.Fuzzing;

/// <summary>A valid input to mutate, with the structured fields its format names.</summary>
internal sealed record FuzzSeed(string Name, byte[] Bytes, IReadOnlyList<Field> Fields);

/// <summary>One input that broke the property: what class of failure and the detail (message or differing value).</summary>
internal sealed record Finding(string Class, string Detail);

/// <summary>
/// Runs one reader's mutations deterministically (iteration i uses <c>new Random(seed ^ i·φ)</c>), checks each
/// input with the reader's property, and fails once at the end with every distinct failure: its class, how many
/// inputs hit it, and the first input's seed file, iteration and mutation, so it reproduces with
/// <c>ENGINE_FUZZ_ITERATION=i</c>.
/// </summary>
internal sealed partial class FuzzCampaign : IDisposable
{
    private readonly string _reader;
    private readonly int _seed;
    private readonly string _extension;
    private readonly TempFolder _folder = new();
    private readonly Dictionary<string, (int Count, string Example, Mutant Input, string Seed, int Iteration, string Extension)> _failures = [];
    private int _inputs;
    private TimeSpan _passing, _failing;

    public FuzzCampaign(string reader, int seed, string extension)
    {
        _reader = reader;
        _seed = seed;
        _extension = extension;
    }

    public string Folder => _folder.Path;

    private static readonly AsyncLocal<StrongBox<long>?> Excluded = new();

    // Checks abandoned as hangs keep running (a thread cannot be stopped): while one does, the process's
    // allocations and resident memory are not the current input's, so no memory finding is made.
    private static readonly List<Task> Abandoned = [];

    /// <summary>
    /// Marks a stretch of a check (an independent decoder's work) whose managed allocations are not the reader's:
    /// they are left out of the memory check.
    /// </summary>
    public static IDisposable Unmeasured() => new Exclusion(Excluded.Value);

    private sealed class Exclusion(StrongBox<long>? box) : IDisposable
    {
        private readonly long _start = GC.GetTotalAllocatedBytes();

        public void Dispose()
        {
            if (box is not null)
                Interlocked.Add(ref box.Value, GC.GetTotalAllocatedBytes() - _start);
        }
    }

    /// <summary>The random source of one iteration: the same for the same reader seed and iteration, on every machine.</summary>
    public Random RandomFor(int iteration) => new(unchecked(_seed ^ (int)(iteration * 0x9E3779B9u)));

    /// <summary>
    /// Mutates the seeds <paramref name="ciIterations"/> times (or ENGINE_FUZZ_ITERATIONS) and checks each input
    /// with <paramref name="check"/>, which gets the input's path and returns the findings (none when it passed).
    /// </summary>
    public void Run(int ciIterations, IReadOnlyList<FuzzSeed> seeds, Func<string, Mutant, IEnumerable<Finding>> check,
        IReadOnlyList<Func<byte[], Random, Mutant?>>? formatMutations = null, Func<FuzzSeed, Random, Mutant?>? special = null)
    {
        int iterations = FuzzSettings.Iterations(ciIterations);
        foreach (int i in Enumerable.Range(0, iterations))
        {
            if (FuzzSettings.OnlyIteration is int only && only != i)
                continue;
            var rng = RandomFor(i);
            var seed = seeds[rng.Next(seeds.Count)];
            // One in eight inputs comes from the reader's own hostile cases (huge declared sizes, mismatched pairs).
            var mutant = (special is not null && rng.Next(8) == 0 ? special(seed, rng) : null)
                ?? Mutator.Mutate(seed.Bytes, seed.Fields, rng, formatMutations);
            string path = Path.Combine(_folder.Path, $"{_reader}-{i:D5}{_extension}");
            File.WriteAllBytes(path, mutant.Bytes);
            CheckOne(path, mutant, seed.Name, i, () => check(path, mutant));
            TryDelete(path);
        }
    }

    /// <summary>Checks one input made by the caller (a folder, a pair of files) under the same bookkeeping.</summary>
    public void CheckOne(string path, Mutant mutant, string seedName, int iteration, Func<IEnumerable<Finding>> check)
    {
        _inputs++;
        List<Finding> findings;
        var excluded = new StrongBox<long>();
        Excluded.Value = excluded;
        long before = GC.GetTotalAllocatedBytes();
        long baseline = Environment.WorkingSet, peak = baseline;
        var task = Task.Run(() =>
        {
            try
            {
                return (Findings: check().ToList(), Error: (Exception?)null);
            }
            catch (Exception e)
            {
                return (Findings: new List<Finding>(), Error: e);
            }
        });
        // Native buffers (stb_image's, LibTiff's) are invisible to the GC's count: the resident set is sampled instead.
        var clock = Stopwatch.StartNew();
        while (!task.Wait(2) && clock.Elapsed < FuzzSettings.HangTimeout)
            peak = Math.Max(peak, Environment.WorkingSet);
        if (!task.IsCompleted)
        {
            // The check is abandoned, still running: a hang is reported, not waited for.
            findings = [new Finding("hang", $"no answer after {FuzzSettings.HangTimeout.TotalSeconds:0} s")];
            lock (Abandoned)
                Abandoned.Add(task);
        }
        else if (task.Result.Error is { } e)
        {
            findings = [new Finding($"the check itself failed with {e.GetType().Name}", OneLine(e.Message))];
        }
        else
        {
            findings = task.Result.Findings;
        }
        long allocated = GC.GetTotalAllocatedBytes() - before - Interlocked.Read(ref excluded.Value);
        bool undisturbed;
        lock (Abandoned)
        {
            Abandoned.RemoveAll(t => t.IsCompleted);
            undisturbed = Abandoned.Count == 0;
        }
        if (undisturbed && task.IsCompleted && mutant.Bytes.Length < (1 << 20))
        {
            if (allocated > FuzzSettings.AllocationLimit)
                findings.Add(new Finding("memory before validation", $"allocated {allocated >> 20} MB of managed memory for a {mutant.Bytes.Length}-byte input"));
            else if (peak - baseline > FuzzSettings.AllocationLimit)
                findings.Add(new Finding("memory before validation", $"resident memory grew by {(peak - baseline) >> 20} MB for a {mutant.Bytes.Length}-byte input"));
        }
        // The time on inputs that pass is what the suite costs once the readers are fixed; failing inputs (hangs,
        // gigabyte allocations) are what makes it slow today.
        if (findings.Count == 0)
            _passing += clock.Elapsed;
        else
            _failing += clock.Elapsed;
        foreach (var f in findings)
            Record(f, mutant, seedName, iteration, path);
    }

    private void Record(Finding f, Mutant mutant, string seedName, int iteration, string path)
    {
        string key = $"{f.Class}: {Template(f.Detail, path)}";
        if (_failures.TryGetValue(key, out var known))
        {
            _failures[key] = known with { Count = known.Count + 1 };
            return;
        }
        _failures[key] = (1, f.Detail, mutant, seedName, iteration, Path.GetExtension(path));
    }

    /// <summary>The message with the file's name, numbers and quoted text blanked, so one kind of failure groups as one.</summary>
    private static string Template(string detail, string path)
    {
        string text = detail.Replace(path, "<file>").Replace(Path.GetFileName(path), "<file>");
        text = Quoted().Replace(text, "\"…\"");
        // Bytes echoed from the file (chunk types, header text) differ from input to input: a token holding any
        // unprintable character counts as one placeholder.
        text = Escaped().Replace(text, "\u0001");
        text = string.Concat(text.Select(c => c is >= ' ' and <= '~' ? c : '\u0001'));
        text = Garbled().Replace(text, "~");
        text = Numbers().Replace(text, "#");
        return text.Length > 90 ? text[..90] : text;
    }

    [GeneratedRegex(@"\\u[0-9A-Fa-f]{4}")]
    private static partial Regex Escaped();

    [GeneratedRegex(@"\S*\u0001\S*")]
    private static partial Regex Garbled();

    [GeneratedRegex("\"[^\"]*\"")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"-?\d+(\.\d+)?([eE][-+]?\d+)?")]
    private static partial Regex Numbers();

    /// <summary>Fails with every distinct failure when there were any; saves their inputs to ENGINE_FUZZ_FINDINGS.</summary>
    public void AssertClean()
    {
        if (_failures.Count == 0)
            return;
        SaveFindings();
        var text = new StringBuilder();
        int failed = _failures.Values.Sum(v => v.Count);
        text.AppendLine($"{_reader}: {failed} failures in {_inputs} inputs, {_failures.Count} distinct (reader seed 0x{_seed:X8}; reproduce one with ENGINE_FUZZ_ITERATION=<iteration>; {_passing.TotalSeconds:0.0} s on passing inputs, {_failing.TotalSeconds:0.0} s on failing ones):");
        foreach (var (key, v) in _failures.OrderByDescending(p => p.Value.Count))
        {
            string cls = key[..key.IndexOf(':')];
            text.AppendLine($"  [{cls}] ×{v.Count}: iteration {v.Iteration}, seed {v.Seed}, mutation \"{v.Input.Description}\": {v.Example}");
        }
        Assert.Fail(text.ToString());
    }

    private void SaveFindings()
    {
        if (FuzzSettings.FindingsDirectory is not { } root)
            return;
        string folder = Path.Combine(root, _reader);
        Directory.CreateDirectory(folder);
        var index = new StringBuilder();
        int n = 0;
        foreach (var (key, v) in _failures.OrderByDescending(p => p.Value.Count))
        {
            string name = $"{_reader}-{n++:D3}-iter{v.Iteration}{(_extension.Length > 0 ? _extension : v.Extension)}";
            File.WriteAllBytes(Path.Combine(folder, name), v.Input.Bytes);
            index.AppendLine($"{name}\t[{key[..key.IndexOf(':')]}] x{v.Count}; seed {v.Seed}; mutation: {v.Input.Description}; {OneLine(v.Example)}");
        }
        File.WriteAllText(Path.Combine(folder, "INDEX.txt"), index.ToString());
    }

    public static string OneLine(string s) => s.ReplaceLineEndings(" \\n ");

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // A hung check may still hold it open; the folder goes at the end.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public void Dispose()
    {
        try
        {
            _folder.Dispose();
        }
        catch (IOException)
        {
        }
    }
}
