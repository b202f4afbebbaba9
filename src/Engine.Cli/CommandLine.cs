using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Engine.Compute;

namespace Engine.Cli;

/// <summary>What every command shares: common options, the JSON writer and the handling of a user's mistakes.</summary>
internal static class CommandLine
{
    public static Option<bool> JsonOption() => new("--json") { Description = "Print one JSON object instead of text." };

    public static Option<string> BackendOption() => new("--backend")
    {
        Description = "Where to compute: auto (CUDA when present, else the CPU), cpu, ilgpu-cpu (the GPU kernels on ILGPU's CPU emulator: slow, for checking), cuda.",
        DefaultValueFactory = _ => "auto",
    };

    public static Option<FileInfo> FileOption(string name, string description, bool required = false) => new(name)
    {
        Description = description,
        Required = required,
    };

    public static ComputeContext CreateCompute(string backend) => new(Choice.Parse("--backend", backend,
        ("auto", ComputeBackend.Auto), ("cpu", ComputeBackend.Cpu), ("ilgpu-cpu", ComputeBackend.IlgpuCpu), ("cuda", ComputeBackend.Cuda)));

    /// <summary>The token of this invocation (<see cref="Program.Run"/>'s): per async flow, so in-process runs in parallel keep their own.</summary>
    private static readonly AsyncLocal<CancellationToken> InvocationToken = new();

    /// <summary>The token <see cref="Program.Run"/> was given; Ctrl-C cancels it in the engine process.</summary>
    internal static CancellationToken Cancellation
    {
        get => InvocationToken.Value;
        set => InvocationToken.Value = value;
    }

    private static int _cancellableBodies;

    /// <summary>True while a body that honours the token runs: only then does Ctrl-C wait for it instead of ending the process.</summary>
    internal static bool Cancellable => Volatile.Read(ref _cancellableBodies) > 0;

    /// <summary>The exit code of a cancelled command: 128 + SIGINT, as a shell reports a process Ctrl-C ended.</summary>
    public const int CancelledExitCode = 130;

    /// <summary>
    /// Runs a long command's body with the invocation's token, which the body passes to every long call. When it is
    /// cancelled (Ctrl-C), the body's <see cref="OperationCanceledException"/> becomes the line <c>engine: cancelled</c>
    /// on stderr and exit code 130; outputs go through <see cref="Engine.IO.AtomicFile"/>, so none is left half-written.
    /// </summary>
    public static int Execute(ParseResult parse, Func<TextWriter, CancellationToken, int> body)
    {
        var token = Cancellation;
        Interlocked.Increment(ref _cancellableBodies);
        try
        {
            return Execute(parse, output => body(output, token));
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            parse.InvocationConfiguration.Error.WriteLine("engine: cancelled");
            return CancelledExitCode;
        }
        finally
        {
            Interlocked.Decrement(ref _cancellableBodies);
        }
    }

    /// <summary>
    /// Runs a command's body. A user's mistake (a missing or malformed file, a bad value) becomes one line on
    /// stderr and exit code 1; anything else is a bug in Engine and keeps its stack trace.
    /// </summary>
    public static int Execute(ParseResult parse, Func<TextWriter, int> body)
    {
        var output = parse.InvocationConfiguration.Output;
        try
        {
            return body(output);
        }
        // A model that diverged to NaN/Inf is the data's or the settings' problem, not Engine's: the message names the step.
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or NotSupportedException or UnauthorizedAccessException
            or NonFiniteValueException or Engine.Cluster.ClusterException)
        {
            parse.InvocationConfiguration.Error.WriteLine($"engine: error: {OneLine(UserMessage(e))}");
            return 1;
        }
        // Sizes are checked against the memory there is before it is spent (RequireMemory), but the machine's other
        // processes can take it meanwhile; running out is then the inputs' size, not a bug, and its trace helps nobody.
        // (An OverflowException stays a bug: every option's range is checked, so one means a check is missing.)
        catch (OutOfMemoryException)
        {
            parse.InvocationConfiguration.Error.WriteLine(
                $"engine: error: out of memory ({Bytes(AvailableMemory)} available); the inputs or the options (--memory, --budget-mb, --batch, --size) ask for more.");
            return 1;
        }
    }

    /// <summary>A message on one line: line breaks become spaces, other control characters are shown as \xNN.</summary>
    internal static string OneLine(string message)
    {
        var text = new System.Text.StringBuilder(message.Length);
        foreach (char c in message.TrimEnd().Replace("\r\n", "\n", StringComparison.Ordinal))
        {
            if (c is '\r' or '\n')
                text.Append(' ');
            else if (char.IsControl(c))
                text.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
            else
                text.Append(c);
        }
        return text.ToString();
    }

    /// <summary>Bytes this process may still allocate: the machine's (or the container's) memory less what is in use.</summary>
    public static long AvailableMemory
    {
        get
        {
            var info = GC.GetGCMemoryInfo();
            return Math.Max(info.TotalAvailableMemoryBytes - info.MemoryLoadBytes, 0);
        }
    }

    /// <summary>Throws unless <paramref name="bytes"/> (what the options ask to hold at once) fit in the memory there is.</summary>
    /// <param name="bytes">The estimate; <see cref="long.MaxValue"/> stands for "more than a long holds".</param>
    /// <param name="what">What needs it, in the CLI's terms, e.g. "--size 100000,100000 (in memory)".</param>
    public static void RequireMemory(long bytes, string what)
    {
        long available = AvailableMemory;
        if (bytes > available)
            throw new ArgumentException($"{what} needs {Bytes(bytes)} of memory but {Bytes(available)} is available.");
    }

    /// <summary>Throws unless <paramref name="value"/> is in [<paramref name="min"/>, <paramref name="max"/>], naming the option.</summary>
    public static int InRange(int value, string option, int min, int max, string? why = null) =>
        value >= min && value <= max ? value
            : throw new ArgumentException(max == int.MaxValue
                ? $"{option} {value} must be at least {min}{why}."
                : $"{option} {value} is outside {min} … {max}{why}.");

    /// <summary>Throws unless <paramref name="value"/> is a fraction in [0, 1], naming the option.</summary>
    public static double Fraction(double value, string option, string example) =>
        value is >= 0 and <= 1 ? value
            : throw new ArgumentException($"{option} {value.ToString(CultureInfo.InvariantCulture)} is not a fraction in [0, 1]; {example}.");

    /// <summary>A byte count as a person reads it: "1.5 GiB", "300 MiB", "12,345 B".</summary>
    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.#", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.#", CultureInfo.InvariantCulture) + " MiB",
        _ => Count(bytes) + " B",
    };

    /// <summary>
    /// The message a user sees: an <see cref="ArgumentException"/>'s message without the " (Parameter 'name')" that
    /// .NET appends (and the "Actual value was …" line after it on an out-of-range argument), since the parameter
    /// is the library's name, not the option the user typed; Engine's messages already name the value.
    /// </summary>
    internal static string UserMessage(Exception e)
    {
        if (e is not ArgumentException { ParamName: { } name })
            return e.Message;
        int suffix = e.Message.IndexOf($" (Parameter '{name}')", StringComparison.Ordinal);
        return suffix < 0 ? e.Message : e.Message[..suffix];
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        // A quantile of data holding ±∞ can be NaN, as in numpy; JSON has no NaN literal, so it is written "NaN".
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static void WriteJson(TextWriter output, object value) => output.WriteLine(JsonSerializer.Serialize(value, Json));

    /// <summary>Formats a float64 so it parses back to the same bits.</summary>
    public static string Exact(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
