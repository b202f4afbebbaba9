using System.Text.Json;

namespace Engine.Tests.Cli;

/// <summary>Runs the <c>engine</c> command in-process, as a user would type it, capturing both streams.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public JsonElement Json => JsonDocument.Parse(Output).RootElement;
    }

    public static Result Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exitCode = Engine.Cli.Program.Run(args, output, error);
        return new Result(exitCode, output.ToString(), error.ToString());
    }
}
