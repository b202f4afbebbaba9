namespace Engine.Cli.Results;

/// <summary><c>engine quantile</c>'s output.</summary>
internal sealed record QuantileResult(double[] Q, double[] Quantiles, int Values, string Dtype) : CommandResult
{
    public override void WriteText(TextWriter output)
    {
        for (int i = 0; i < Q.Length; i++)
            output.WriteLine($"q {Q[i]}: {CommandLine.Exact(Quantiles[i])}");
    }
}
