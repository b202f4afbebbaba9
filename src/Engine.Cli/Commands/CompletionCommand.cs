using System.CommandLine;

namespace Engine.Cli.Commands;

/// <summary>
/// <c>engine completion bash</c>: prints a shell function that completes engine's commands and options by asking
/// engine itself through System.CommandLine's <c>[suggest:POSITION]</c> directive, so it never goes out of date.
/// </summary>
internal static class CompletionCommand
{
    // The directive takes the line without the program's name and the cursor's position in it.
    private const string Bash = """
        _engine_complete() {
            local line="${COMP_LINE#*[[:space:]]}"
            local position=$(( COMP_POINT - ${#COMP_LINE} + ${#line} ))
            local IFS=$'\n'
            COMPREPLY=( $(compgen -W "$(engine "[suggest:${position}]" "$line" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}") )
        }
        complete -o default -F _engine_complete engine
        """;

    public static Command Create()
    {
        var shell = new Argument<string>("shell") { Description = "The shell: bash." };
        shell.AcceptOnlyFromAmong("bash");
        var command = new Command("completion", "Print a shell completion script: add `source <(engine completion bash)` to ~/.bashrc.") { shell };
        command.SetAction(parse => CommandLine.Execute(parse, stdout =>
        {
            stdout.WriteLine(Bash);
            return 0;
        }));
        return command;
    }
}
