using Engine.Segmentation;
using Engine.Torch.Ink;
using Engine.Volumes;

namespace Engine.Torch.Tests.Ink;

public sealed class InkInferenceRegionsTests : IDisposable
{
    private static readonly string[] Outputs = ["prob.npy", "prob.tif", "prob.png", "ink.png", "overlay.png"];

    private static readonly InkInput Input = new() { Slices = new SliceRange(4, 11), Tile = 64 };

    private readonly InkTestFolder _folder = new();
    private readonly string _fragment;

    public InkInferenceRegionsTests() => _fragment = WriteFragment(288, 224);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void Regions_inferred_apart_and_merged_equal_the_whole_run_byte_for_byte(int regionCount)
    {
        // A batch of 5 windows straddles the regions' edges, so halo batches are recomputed in part.
        var plan = InkInferencePlan.Create(_fragment, Input, new InkInferenceOptions { Stride = 32, BatchSize = 5, Inner = 48 });
        string whole = _folder.Sub("whole");
        InkInference.Run(plan, new CellMeanPredictor(Input), whole);

        var split = plan.Split(regionCount);
        var results = split.Regions.Select(r => InkInference.RunRegion(plan, new CellMeanPredictor(Input), split, r, RegionPath(r))).ToArray();
        string merged = _folder.Sub("merged");
        var result = InkInference.MergeRegions(plan, split, results.Select(r => r.Path).ToArray(), merged);

        AssertSameFiles(whole, merged);
        Assert.Equal(0, result.ModelWindows);
        // Every window runs in some region, and the halos run some of them again.
        Assert.True(results.Sum(r => r.Windows) > plan.Grid.Count);
        Assert.All(results, r => Assert.Equal(0, plan.RegionWindows(split, split.Regions[r.Region]).Start % 5));
    }

    [Fact]
    public void Regions_of_a_model_with_distributed_tta_equal_the_whole_run_byte_for_byte()
    {
        // A real model: its output bits may depend on a window's slot in its batch, and distributed TTA picks each
        // window's flip by its index in the whole run.
        TorchRuntime.EnsureLoaded();
        string model = _folder.Sub("model");
        using (var net = new InkModel(new InkModelConfig { Groups = 2, ChannelsPerGroup = 4, Widths = [8, 8, 12, 12, 16], NeckChannels = 8, Blocks3d = 1 }))
            InkCheckpoint.Save(model, net, Input, new Dictionary<string, double>());
        // A smaller fragment: 15 windows, in batches of 3, a region ~53 rows tall.
        var plan = InkInferencePlan.Create(WriteFragment(192, 160), [model], new InkInferenceOptions { Stride = 48, BatchSize = 3, Tta = InkTta.Distributed });
        string whole = _folder.Sub("whole");
        InkInference.Run(plan, whole);

        var split = plan.Split(3);
        var paths = split.Regions.Select(r => InkInference.RunRegion(plan, split, r, RegionPath(r)).Path).ToArray();
        string merged = _folder.Sub("merged");
        InkInference.MergeRegions(plan, split, paths, merged);

        AssertSameFiles(whole, merged);
    }

    [Fact]
    public void Merge_names_a_region_file_that_is_missing_or_short_and_writes_nothing()
    {
        var plan = InkInferencePlan.Create(_fragment, Input, new InkInferenceOptions { Stride = 32 });
        var split = plan.Split(2);
        string first = InkInference.RunRegion(plan, new CellMeanPredictor(Input), split, split.Regions[0], RegionPath(split.Regions[0])).Path;
        string second = RegionPath(split.Regions[1]);
        string merged = _folder.Sub("merged");

        var missing = Assert.Throws<FileNotFoundException>(() => InkInference.MergeRegions(plan, split, [first, second], merged));
        Assert.Contains(second, missing.Message);
        File.WriteAllBytes(second, new byte[12]);
        var shortFile = Assert.Throws<InvalidDataException>(() => InkInference.MergeRegions(plan, split, [first, second], merged));
        Assert.Contains(second, shortFile.Message);
        Assert.False(Directory.Exists(merged));

        var other = InkInferencePlan.Create(_fragment, Input, new InkInferenceOptions { Stride = 32, Inner = 32 }).Split(2);
        Assert.Throws<ArgumentException>(() => InkInference.RunRegion(plan, new CellMeanPredictor(Input), other, other.Regions[0], first));
    }

    public void Dispose() => _folder.Dispose();

    private string WriteFragment(int width, int height)
    {
        string fragment = _folder.Sub($"fragment-{width}x{height}");
        SyntheticFragment.Write(fragment, new SyntheticFragmentOptions { Width = width, Height = height, Slices = 12, Seed = 9, InkSlices = new SliceRange(6, 9), InkContrast = 5000 });
        return fragment;
    }

    private string RegionPath(StitchRegion region) => _folder.Sub(Path.Combine("regions", $"{region.Index}.f32"));

    private static void AssertSameFiles(string expected, string actual)
    {
        foreach (string file in Outputs)
            Assert.True(File.ReadAllBytes(Path.Combine(expected, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, file))), $"{file} differs from the whole run's");
        Assert.Equal(Outputs.Order(), Directory.GetFiles(actual).Select(Path.GetFileName).Order());
    }
}
