using System.Text;
using Engine.Tests;
using Engine.Tests.Fuzzing;
using Engine.Torch.Ink;
using Engine.Torch.Tests.Ink;
using Engine.Volumes;
using static TorchSharp.torch;

namespace Engine.Torch.Tests.Fuzzing;

/// <summary>
/// Model directories whose config.json or weights.bin was altered or truncated, through
/// <see cref="InkCheckpoint.LoadModel"/>: a clean error naming the file, never a native crash. An altered
/// weights.bin that loads is a finding too: nothing in the directory lets a reader tell it from the saved one.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class InkCheckpointFuzzTests
{
    private const int Seed = 0x434B5031;
    private const int Iterations = 60;

    [Fact]
    public void Fuzz_ink_checkpoints()
    {
        TorchRuntime.EnsureLoaded();
        using var campaign = new FuzzCampaign("checkpoint", Seed, "");
        string pristine = Path.Combine(campaign.Folder, "pristine");
        manual_seed(5);
        using (var model = new InkModel(InkModelTests.Tiny))
        {
            var input = new InkInput { Slices = new SliceRange(0, 5), Tile = 64, Scale = TileScale.Divide65535, Normalize = true };
            InkCheckpoint.Save(pristine, model, input, new Dictionary<string, double> { ["validF05"] = 0.5 });
        }
        var config = File.ReadAllBytes(Path.Combine(pristine, InkCheckpoint.ConfigFile));
        var weights = File.ReadAllBytes(Path.Combine(pristine, InkCheckpoint.WeightsFile));
        var seeds = new List<FuzzSeed> { new(InkCheckpoint.ConfigFile, config, []), new(InkCheckpoint.WeightsFile, weights, []) };

        for (int i = 0; i < FuzzSettings.Iterations(Iterations); i++)
        {
            if (FuzzSettings.OnlyIteration is int only && only != i)
                continue;
            var rng = campaign.RandomFor(i);
            var seed = seeds[rng.Next(seeds.Count)];
            var mutant = seed.Name == InkCheckpoint.ConfigFile && rng.Next(2) == 0 ? EditConfig(config, rng) : Mutator.Mutate(seed.Bytes, seed.Fields, rng);
            string dir = Path.Combine(campaign.Folder, $"model-{i:D3}");
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, InkCheckpoint.ConfigFile), seed.Name == InkCheckpoint.ConfigFile ? mutant.Bytes : config);
            File.WriteAllBytes(Path.Combine(dir, InkCheckpoint.WeightsFile), seed.Name == InkCheckpoint.WeightsFile ? mutant.Bytes : weights);
            // A native crash ends the test process: the input about to be tried is kept where it can be found.
            if (FuzzSettings.FindingsDirectory is { } findings)
            {
                Directory.CreateDirectory(Path.Combine(findings, "checkpoint"));
                File.WriteAllBytes(Path.Combine(findings, "checkpoint", $"last-tried-{seed.Name}"), mutant.Bytes);
            }
            bool weightsAltered = seed.Name == InkCheckpoint.WeightsFile && !mutant.Bytes.AsSpan().SequenceEqual(weights);
            campaign.CheckOne(dir, mutant with { Description = $"{seed.Name}: {mutant.Description}" }, seed.Name, i, () => Check(dir, weightsAltered));
            Directory.Delete(dir, recursive: true);
        }
        campaign.AssertClean();
    }

    private static IEnumerable<Finding> Check(string dir, bool weightsAltered)
    {
        try
        {
            using var model = InkCheckpoint.LoadModel(dir);
            return weightsAltered ? [new Finding("accepted altered weights", "weights.bin differs from the saved one and loads without an error")] : [];
        }
        catch (Exception e)
        {
            return FuzzProperty.CleanError(e, dir);
        }
    }

    private static Mutant EditConfig(byte[] json, Random r)
    {
        string t = Encoding.UTF8.GetString(json);
        var numbers = System.Text.RegularExpressions.Regex.Matches(t, @"-?\d+(\.\d+)?");
        var m = numbers[r.Next(numbers.Count)];
        string value = new[] { "0", "-1", "2147483647", "1", "100000", "1e308", "1.5", "null", "\"x\"", "[]", "NaN" }[r.Next(11)];
        return new Mutant(Encoding.UTF8.GetBytes(t[..m.Index] + value + t[(m.Index + m.Length)..]), $"number {m.Value} @{m.Index} -> {value}");
    }
}
