using System.Globalization;
using BenchmarkDotNet.Running;

namespace Engine.Benchmarks;

internal static class Program
{
    /// <summary>
    /// <c>compare NAME</c> runs one hot path's suite beside its peer on the same data and prints the ratios;
    /// <c>identity-stages [RUNS] [DIMENSION]</c> times identity search and ranking stage by stage; anything else goes
    /// to BenchmarkDotNet's switcher (e.g. <c>--filter *Quantile*</c>).
    /// </summary>
    private static int Main(string[] args)
    {
        if (args is ["compare", var name, ..])
            return PeerComparison.Run(name);
        if (args is ["identity-stages", ..])
            return Identity.IdentitySearchBenchmarks.Stages(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3,
                args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : null);
        if (args is ["stitch-difference"])
            return Segmentation.StitchModeDifference.Run();
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
