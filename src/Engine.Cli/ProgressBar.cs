using System.Diagnostics;
using System.Globalization;

namespace Engine.Cli;

/// <summary>
/// A one-line progress bar on stderr for long commands: <c>Searching [#####.....] 45% 4,500/10,000 12.3 s, ETA 15 s</c>.
/// It draws only when stderr is a terminal, so redirected output, <c>--json</c> pipelines and tests stay clean;
/// it redraws at most ten times a second, so reporting every item costs nothing. Thread-safe: workers may
/// report from several threads (<see cref="Advance"/>).
/// </summary>
/// <example>
/// <code>
/// using var progress = ProgressBar.Start(parse, "Searching", queries.Length);
/// progress.Advance(batch);
/// </code>
/// </example>
internal sealed class ProgressBar : IDisposable, IProgress<long>
{
    private const int Width = 30;
    private static readonly long RedrawTicks = Stopwatch.Frequency / 10;

    private readonly TextWriter? _terminal;
    private readonly string _label;
    private readonly long _total;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private long _done;
    private long _lastDraw = long.MinValue;
    private volatile string _status = "";

    private ProgressBar(TextWriter? terminal, string label, long total)
    {
        _terminal = terminal;
        _label = label;
        _total = Math.Max(total, 0);
    }

    /// <summary>Starts a bar for <paramref name="total"/> items (bytes, tiles, queries, …) on the command's stderr.</summary>
    public static ProgressBar Start(System.CommandLine.ParseResult parse, string label, long total)
    {
        var error = parse.InvocationConfiguration.Error;
        // Only the real stderr of an interactive session gets the bar; a test's StringWriter or a pipe does not.
        bool interactive = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
        return new ProgressBar(interactive ? error : null, label, total);
    }

    /// <summary>Items done so far.</summary>
    public long Done => Interlocked.Read(ref _done);

    /// <summary>Adds <paramref name="items"/> to the items done.</summary>
    public void Advance(long items)
    {
        long done = Interlocked.Add(ref _done, items);
        Draw(done, final: false);
    }

    /// <summary>Text drawn after the counts, such as a training loss; shown from the next redraw.</summary>
    public void SetStatus(string status) => _status = status;

    /// <summary>Sets the items done (for <see cref="IProgress{T}"/> callers that report a running total).</summary>
    public void Report(long value)
    {
        Interlocked.Exchange(ref _done, value);
        Draw(value, final: false);
    }

    private void Draw(long done, bool final)
    {
        if (_terminal is null)
            return;
        long now = _clock.ElapsedTicks;
        lock (_gate)
        {
            if (!final && now - _lastDraw < RedrawTicks)
                return;
            _lastDraw = now;
            double fraction = _total == 0 ? 1 : Math.Clamp((double)done / _total, 0, 1);
            int filled = (int)(fraction * Width);
            double seconds = _clock.Elapsed.TotalSeconds;
            string eta = fraction is > 0 and < 1 ? $", ETA {Format(seconds / fraction - seconds)}" : "";
            string line = string.Create(CultureInfo.InvariantCulture,
                $"\r{_label} [{new string('#', filled)}{new string('.', Width - filled)}] {fraction * 100,3:F0}% {done:N0}/{_total:N0} {Format(seconds)}{eta} {_status}   ");
            _terminal.Write(line);
            if (final)
                _terminal.WriteLine();
        }
    }

    private static string Format(double seconds) => seconds < 60
        ? seconds.ToString("F1", CultureInfo.InvariantCulture) + " s"
        : TimeSpan.FromSeconds(Math.Round(seconds)).ToString(seconds < 3600 ? @"m\:ss" : @"h\:mm\:ss", CultureInfo.InvariantCulture);

    /// <summary>Draws the final state and ends the line.</summary>
    public void Dispose() => Draw(Done, final: true);
}
