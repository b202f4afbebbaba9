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

    public static ComputeContext CreateCompute(string backend) => new(backend.ToLowerInvariant() switch
    {
        "auto" => ComputeBackend.Auto,
        "cpu" => ComputeBackend.Cpu,
        "ilgpu-cpu" => ComputeBackend.IlgpuCpu,
        "cuda" => ComputeBackend.Cuda,
        _ => throw new ArgumentException($"--backend {backend} is not one of auto, cpu, ilgpu-cpu, cuda."),
    });

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
            or Engine.Torch.Ink.InkNonFiniteException or Engine.Torch.Identity.IdentityNonFiniteException)
        {
            parse.InvocationConfiguration.Error.WriteLine($"engine: error: {UserMessage(e)}");
            return 1;
        }
    }

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
