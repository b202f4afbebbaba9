using System.Diagnostics;
using System.Reflection;

namespace Engine.Tests.Cli;

/// <summary>What a user of the installed tool meets first: <c>--version</c> and shell completion.</summary>
public sealed class ToolCommandTests
{
    [Fact]
    public void VersionPrintsTheAssemblysInformationalVersion()
    {
        string expected = typeof(Engine.Cli.CommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

        var result = CliRunner.Run("--version");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(expected, result.Output.Trim());
        Assert.Matches(@"^\d+\.\d+\.\d+", result.Output);
    }

    [Fact]
    public void CompletionRefusesAnUnknownShell()
    {
        var result = CliRunner.Run("completion", "fish");

        Assert.NotEqual(0, result.ExitCode);
    }

    [Theory]
    [InlineData("engine kn", "knn")]
    [InlineData("engine knn --da", "--database")]
    [InlineData("engine ink ", "infer")]
    public void BashCompletionAsksEngineForTheWordsThatFit(string line, string expected)
    {
        string folder = Directory.CreateTempSubdirectory("engine-completion-").FullName;
        try
        {
            var script = CliRunner.Run("completion", "bash");
            Assert.Equal(0, script.ExitCode);
            File.WriteAllText(Path.Combine(folder, "completion.bash"), script.Output);

            string[] words = line.Split(' ');
            var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("-c");
            string cli = Path.Combine(AppContext.BaseDirectory, "Engine.Cli.dll");
            string quotedWords = string.Join(' ', words.Select(w => $"'{w}'"));
            start.ArgumentList.Add($$"""
                engine() { dotnet "{{cli}}" "$@"; }   # as the installed tool runs
                source "{{folder}}/completion.bash"
                COMP_LINE='{{line}}'; COMP_POINT=${#COMP_LINE}; COMP_WORDS=({{quotedWords}}); COMP_CWORD={{words.Length - 1}}
                _engine_complete
                printf '%s\n' "${COMPREPLY[@]}"
                """);
            using var bash = Process.Start(start)!;
            string output = bash.StandardOutput.ReadToEnd();
            bash.WaitForExit();

            Assert.Equal(0, bash.ExitCode);
            Assert.Contains(expected, output.Split('\n'));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
