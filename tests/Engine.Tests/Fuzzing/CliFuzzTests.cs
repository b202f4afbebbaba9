using System.Text;
using Engine.IO;
using Engine.Tests.Cli;

namespace Engine.Tests.Fuzzing;

/// <summary>
/// Mutated inputs through whole commands, in-process: exit 0, or exit 1 with exactly one <c>engine: error:</c>
/// line on stderr, no stack trace anywhere, and nothing left in the output folder.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class CliFuzzTests
{
    private const int Seed = 0x434C4931;

    /// <summary>A command: the file to mutate (with its seed) and the arguments given the input folder and an empty output folder.</summary>
    private sealed record Case(string Name, string Mutated, FuzzSeed Input, Func<string, string, string[]> Args);

    [Fact]
    public void Fuzz_cli_commands()
    {
        using var campaign = new FuzzCampaign("cli", Seed, "");
        string inputs = Path.Combine(campaign.Folder, "inputs");
        Directory.CreateDirectory(inputs);
        var cases = Cases(inputs);
        foreach (var c in cases)
        {
            int iterations = FuzzSettings.Iterations(FuzzSettings.CliIterationsPerCommand);
            for (int i = 0; i < iterations; i++)
            {
                if (FuzzSettings.OnlyIteration is int only && only != i)
                    continue;
                var rng = campaign.RandomFor(i * 31 + c.Name.Length);
                var mutant = Mutator.Mutate(c.Input.Bytes, c.Input.Fields, rng);
                string work = Path.Combine(campaign.Folder, $"{c.Name}-{i:D3}");
                string output = Path.Combine(work, "out");
                Directory.CreateDirectory(output);
                CopyInputs(inputs, work);
                string target = Path.Combine(work, c.Mutated);
                File.WriteAllBytes(target, mutant.Bytes);
                campaign.CheckOne(target, mutant with { Description = $"{c.Name}: {c.Mutated}: {mutant.Description}" }, $"{c.Name} {c.Input.Name}", i,
                    () => Check(c.Args(work, output), output));
                Directory.Delete(work, recursive: true);
            }
        }
        campaign.AssertClean();
    }

    private static IEnumerable<Finding> Check(string[] args, string output)
    {
        CliRunner.Result result;
        try
        {
            result = CliRunner.Run(args);
        }
        catch (Exception e)
        {
            return [new Finding($"the command threw {e.GetType().Name}", FuzzCampaign.OneLine(e.Message))];
        }
        var findings = new List<Finding>();
        string all = result.Output + result.Error;
        if (all.Contains("   at ", StringComparison.Ordinal) || all.Contains("Exception:", StringComparison.Ordinal))
            findings.Add(new Finding("stack trace printed", FuzzCampaign.OneLine(result.Error.Length > 0 ? result.Error[..Math.Min(300, result.Error.Length)] : result.Output[..Math.Min(300, result.Output.Length)])));
        if (result.ExitCode == 0)
            return findings;
        if (result.ExitCode != 1)
            findings.Add(new Finding("exit code not 0 or 1", $"exit {result.ExitCode}"));
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length != 1 || !lines[0].StartsWith("engine: error:", StringComparison.Ordinal))
            findings.Add(new Finding("stderr is not one engine: error: line", $"{lines.Length} lines: {FuzzCampaign.OneLine(result.Error[..Math.Min(300, result.Error.Length)])}"));
        else if (lines[0].TrimEnd('\r').Any(ch => char.IsControl(ch) || ch == '\uFFFD'))
            findings.Add(new Finding("error line has control characters", FuzzProperty.Escape(lines[0])));
        var left = Directory.EnumerateFileSystemEntries(output).Select(Path.GetFileName).ToList();
        if (left.Count > 0)
            findings.Add(new Finding("files left behind after an error", $"{string.Join(", ", left)} after: {FuzzCampaign.OneLine(lines.FirstOrDefault() ?? "")}"));
        return findings;
    }

    private static void CopyInputs(string from, string to)
    {
        foreach (string dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(dir.Replace(from, to));
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(from, to));
    }

    private static List<Case> Cases(string inputs)
    {
        string P(string name) => Path.Combine(inputs, name);
        FuzzSeed Seed(string name, List<Field>? fields = null) => new(name, File.ReadAllBytes(P(name)), fields ?? []);

        // A probability map and masks of one size.
        const int w = 40, h = 30;
        var probs = Enumerable.Range(0, w * h).Select(i => (float)((i * 7919 % 1000) / 1000.0)).ToArray();
        NpyFile.Write(P("probs.npy"), probs, [h, w]);
        PngImage.Write(P("pred.png"), probs.Select(p => (byte)(p > 0.5 ? 255 : 0)).ToArray(), w, h);
        PngImage.Write(P("truth.png"), probs.Select(p => (byte)(p > 0.4 ? 255 : 0)).ToArray(), w, h);

        // A volume and the mask of its size.
        Directory.CreateDirectory(P("slices"));
        foreach (string file in Directory.GetFiles(TestData.PathOf("volumes", "tifffile_plain")))
            File.Copy(file, Path.Combine(P("slices"), Path.GetFileName(file)));
        var mask = NpyFile.ReadBytes(TestData.PathOf("volumes", "tiles_mask.npy"));
        MapFile.WriteMask(P("mask.png"), new GrayImage<byte>(mask.Shape[1], mask.Shape[0], mask.Data));

        File.WriteAllText(P("boxes.json"), """[{"models":[{"boxes":[[0.1,0.2,0.5,0.6],[0.3,0.3,0.9,0.8]],"scores":[0.9,0.45],"labels":[0,2]},{"boxes":[[0.12,0.21,0.52,0.6]],"scores":[0.8],"labels":[0]}],"weights":[2,1]}]""", Encoding.UTF8);

        EmbeddingFile.WriteFvecs(P("db.fvecs"), Enumerable.Range(0, 10 * 4).Select(i => MathF.Sin(i)).ToArray(), 4);
        NpyFile.Write(P("queries.npy"), Enumerable.Range(0, 3 * 4).Select(i => MathF.Cos(i)).ToArray(), [3, 4]);

        // Four 8 × 8 predictions upsampled ×4 to cover a 64 × 64 map.
        NpyFile.Write(P("tiles.npy"), Enumerable.Range(0, 4 * 8 * 8).Select(i => (i % 13) / 13f).ToArray(), [4, 8, 8]);
        NpyFile.Write(P("coords.npy"), [0, 0, 0, 32, 32, 0, 32, 32], [4, 2]);

        var npyFields = new List<Field> { new(6, 1, "major version"), new(8, 2, "header length") };
        var pngSeed = Seed("pred.png");
        return
        [
            new("threshold", "probs.npy", Seed("probs.npy", npyFields),
                (i, o) => ["threshold", "--input", Path.Combine(i, "probs.npy"), "--percentile", "0.9", "--out", Path.Combine(o, "ink.png")]),
            new("fbeta", "pred.png", pngSeed with { Fields = PngReference.Fields(pngSeed.Bytes) },
                (i, o) => ["fbeta", "--pred", Path.Combine(i, "pred.png"), "--truth", Path.Combine(i, "truth.png"), "--json"]),
            new("volume-tile", Path.Combine("slices", "01.tif"), new FuzzSeed("01.tif", File.ReadAllBytes(Path.Combine(P("slices"), "01.tif")), TiffReference.Fields(File.ReadAllBytes(Path.Combine(P("slices"), "01.tif")))),
                (i, o) => ["volume", "tile", Path.Combine(i, "slices"), "--mask", Path.Combine(i, "mask.png"), "--tile", "32", "--stride", "16", "--out", Path.Combine(o, "tiles.npy"), "--coords", Path.Combine(o, "coords.npy")]),
            new("wbf", "boxes.json", Seed("boxes.json"),
                (i, o) => ["wbf", "--input", Path.Combine(i, "boxes.json"), "--out", Path.Combine(o, "fused.json")]),
            new("knn", "db.fvecs", Seed("db.fvecs", Enumerable.Range(0, 10).Select(r => new Field(r * 20, 4, $"vector {r} dimension")).ToList()),
                (i, o) => ["knn", "--database", Path.Combine(i, "db.fvecs"), "--queries", Path.Combine(i, "queries.npy"), "-k", "3", "--out", Path.Combine(o, "pred.csv")]),
            new("stitch", "tiles.npy", Seed("tiles.npy", npyFields),
                (i, o) => ["stitch", "--tiles", Path.Combine(i, "tiles.npy"), "--coords", Path.Combine(i, "coords.npy"), "--size", "64,64", "--factor", "4", "--out", Path.Combine(o, "map.npy")]),
        ];
    }
}
