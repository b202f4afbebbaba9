namespace Engine.Cli.Results;

/// <summary><c>engine serve</c>'s one line, printed once the silo has joined the cluster and its gateway is open: a script (or a test) waits for it.</summary>
internal sealed record ServeResult(string Silo, string Gateway, string Data, string Clustering) : CommandResult
{
    public override void WriteText(TextWriter output) =>
        output.WriteLine($"silo {Silo} is up (gateway {Gateway}, data {Data}, clustering {Clustering}); Ctrl+C stops it");
}
