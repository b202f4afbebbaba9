using System.CommandLine;
using Engine.IO;
using Engine.Segmentation;

namespace Engine.Cli.Commands;

/// <summary><c>engine quantile</c>: numpy.quantile of a map or array, exactly (<see cref="Quantile"/>).</summary>
internal static class QuantileCommand
{
    public static Command Create()
    {
        var input = CommandLine.FileOption("--input", "Values: .npy (float32 or float64, any shape, read flat), .tif/.tiff or .png (as for threshold).", required: true);
        var qs = new Option<double[]>("-q", "--q")
        {
            Description = "Quantiles in [0, 1]; several may follow one -q.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var mask = CommandLine.FileOption("--mask", "Selection of the same size (non-zero = use the value), like values[mask].");
        var ignoreNaN = new Option<bool>("--ignore-nan") { Description = "Skip NaNs like numpy.nanquantile (by default a NaN is an error)." };
        var json = CommandLine.JsonOption();
        var backend = CommandLine.BackendOption();
        var command = new Command("quantile", "Quantiles equal to numpy.quantile(values[mask], q) bit for bit (numpy's default 'linear' method), in O(n).")
        {
            input, qs, mask, ignoreNaN, json, backend,
        };
        command.SetAction(parse => CommandLine.Execute(parse, stdout =>
        {
            string inputPath = parse.GetValue(input)!.FullName;
            if (parse.GetValue(mask) is { } declaredMask && MapFile.ReadSize(declaredMask.FullName) is { } maskSize)
            {
                // Compared from the headers before either file is decoded; values are read flat, so counts are compared.
                long? count = Path.GetExtension(inputPath).Equals(".npy", StringComparison.OrdinalIgnoreCase)
                    ? NpyFile.ReadHeader(inputPath).ElementCount
                    : MapFile.ReadSize(inputPath) is { } size ? (long)size.Width * size.Height : null;
                if (count is { } n && n != (long)maskSize.Width * maskSize.Height)
                    throw new ArgumentException($"{declaredMask.FullName} has {(long)maskSize.Width * maskSize.Height} pixels but {inputPath} has {n} values; they must match.");
            }
            using var values = MapFile.OpenValues(inputPath);
            var selection = parse.GetValue(mask) is { } maskFile ? MapFile.ReadMask(maskFile.FullName) : null;
            int length = values.Length;
            if (selection is not null && selection.Pixels.Length != length)
                throw new ArgumentException($"{parse.GetValue(mask)!.FullName} has {selection.Pixels.Length} pixels but {parse.GetValue(input)!.FullName} has {length} values; they must match.");
            foreach (double fraction in parse.GetValue(qs)!)
                CommandLine.Fraction(fraction, "-q", "give quantiles as fractions, e.g. -q 0.5 for the median");
            using var compute = CommandLine.CreateCompute(parse.GetValue(backend)!);
            var q = parse.GetValue(qs)!;
            double[] results;
            try
            {
                results = values.IsFloat64
                    ? Quantile.Compute(values.Doubles, q, selection?.Pixels, parse.GetValue(ignoreNaN), compute)
                    : Quantile.Compute(values.Floats, q, selection?.Pixels, parse.GetValue(ignoreNaN), compute);
            }
            catch (QuantileNaNException e)
            {
                throw InputErrors.NaN(e, parse.GetValue(input)!.FullName, 0, "--ignore-nan");
            }
            new QuantileResult(q, results, length, values.IsFloat64 ? "float64" : "float32").Write(stdout, parse.GetValue(json));
            return 0;
        }));
        return command;
    }
}
