using Engine.Cluster.Hosting;
using Engine.Cluster.Ink;
using Engine.Torch;
using Engine.Torch.Ink;
using Engine.Volumes;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Engine.Cluster.Tests.Ink;

public sealed class InkClusterJobTests : IDisposable
{
    private static readonly string[] Outputs = ["prob.npy", "prob.tif", "prob.png", "ink.png", "overlay.png"];

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "engine-ink-cluster-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Fragments_spread_over_three_silos_equal_single_machine_runs_when_a_silo_is_killed_mid_job()
    {
        // One generated fragment under three names: one item for each silo, so that whichever silos hold the
        // membership table (the primary) and the coordinator, a third runs an item and can be killed.
        string source = WriteFragment("source");
        string[] names = ["alpha", "beta", "gamma"];
        foreach (string name in names)
            CopyFolder(source, Path.Combine(_folder, name));
        string model = WriteModel();
        string single = Path.Combine(_folder, "single");
        InkInference.Run(source, [model], single, Options);
        var request = new InkJobRequest
        {
            Fragments = names.Select(n => Path.Combine(_folder, n)).ToArray(),
            Models = [model],
            Output = Path.Combine(_folder, "out"),
            Options = new InkJobOptions { Stride = 32, Tta = "flips" },
        };

        var (done, killed, lostItem) = await RunKillingOneSilo(request, item => true);

        var lost = done.Items.Single(i => i.Name == lostItem);
        Assert.Equal(2, lost.Attempts);
        Assert.NotEqual(killed, lost.Result!.Silo);
        Assert.Equal(3, done.Items.Select(i => i.Attempts == 1 ? i.Result!.Silo : null).Append(killed).Distinct().Count(s => s is not null));
        foreach (string name in names)
            AssertSameOutputs(single, Path.Combine(request.Output, name));
    }

    [Fact]
    public async Task A_fragment_split_into_regions_over_three_silos_equals_the_single_machine_run_when_a_silo_is_killed_mid_job()
    {
        string fragment = WriteFragment("tall", height: 768);
        string model = WriteModel();
        string single = Path.Combine(_folder, "single");
        InkInference.Run(fragment, [model], single, Options);
        // 768 rows in bands of 256: a region for each silo, then the merge.
        var request = new InkJobRequest
        {
            Fragments = [fragment],
            Models = [model],
            Output = Path.Combine(_folder, "out"),
            Options = new InkJobOptions { Stride = 32, Tta = "flips", RegionRows = 256 },
        };

        var (done, killed, lostItem) = await RunKillingOneSilo(request, item => item.Name.Contains("/region", StringComparison.Ordinal));

        Assert.Equal(["tall/region 1 of 3", "tall/region 2 of 3", "tall/region 3 of 3", "tall/merge"], done.Items.Select(i => i.Name));
        var lost = done.Items.Single(i => i.Name == lostItem);
        Assert.Equal(2, lost.Attempts);
        Assert.NotEqual(killed, lost.Result!.Silo);
        // The regions' first attempts ran on all three silos, the killed one's region again on another.
        Assert.Equal(3, done.Items.Where(i => i.Name.Contains("/region", StringComparison.Ordinal)).Select(i => i.Attempts == 1 ? i.Result!.Silo : null)
            .Append(killed).Distinct().Count(s => s is not null));
        string output = Path.Combine(request.Output, "tall");
        AssertSameOutputs(single, output);
        Assert.False(Directory.Exists(Path.Combine(output, ".regions")));
    }

    public void Dispose()
    {
        // The killed silo's run goes on in this process (a killed machine's would not) and may still be writing.
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                Directory.Delete(_folder, recursive: true);
                return;
            }
            catch (IOException) when (attempt < 60)
            {
                Thread.Sleep(500);
            }
        }
    }

    /// <summary>Flips triple each item's work, so that an item is still running when its silo is killed: killing takes a second or two, and the coordinator sees a finished item within 250 ms.</summary>
    private static InkInferenceOptions Options => new() { Stride = 32, Tta = InkTta.Flips };

    private string WriteFragment(string name, int height = 512)
    {
        string fragment = Path.Combine(_folder, name);
        SyntheticFragment.Write(fragment, new SyntheticFragmentOptions { Width = 768, Height = height, Slices = 12, Seed = 5, InkSlices = new SliceRange(6, 9), InkContrast = 5000 });
        return fragment;
    }

    private string WriteModel()
    {
        string model = Path.Combine(_folder, "model");
        TorchRuntime.EnsureLoaded();
        using var net = new InkModel(new InkModelConfig { Groups = 2, ChannelsPerGroup = 4, Widths = [8, 8, 12, 12, 16], NeckChannels = 8, Blocks3d = 1 });
        InkCheckpoint.Save(model, net, new InkInput { Slices = new SliceRange(4, 11), Tile = 64 }, new Dictionary<string, double>());
        return model;
    }

    /// <summary>
    /// Runs <paramref name="request"/> on three silos and kills one while it runs an item <paramref name="victim"/>
    /// picks, neither the primary (it holds the membership table) nor the coordinator's; every item must end done.
    /// </summary>
    private static async Task<(InkJobProgress Done, string Killed, string LostItem)> RunKillingOneSilo(InkJobRequest request, Func<InkWorkProgress, bool> victim)
    {
        var builder = new TestClusterBuilder(3);
        builder.AddSiloBuilderConfigurator<EngineSiloConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        // The three silos share this process's thread pool, which their inferences keep busy: without spare
        // threads the kill's continuations wait, and the kill can land only after the item has finished.
        ThreadPool.GetMinThreads(out int workers, out int completion);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), completion);
        try
        {
            string primary = cluster.Primary!.SiloAddress.Endpoint.ToString();
            var chosen = new TaskCompletionSource<(SiloHandle Silo, string Item)>(TaskCreationOptions.RunContinuationsAsynchronously);
            var watch = new InlineProgress(p =>
            {
                if (chosen.Task.IsCompleted)
                    return;
                foreach (var item in p.Items.Where(i => i.State == InkWorkState.Running && i.Silo != primary && i.Silo != p.Coordinator && victim(i)))
                {
                    var silo = cluster.Silos.Single(s => s.SiloAddress.Endpoint.ToString() == item.Silo);
                    chosen.TrySetResult((silo, item.Name));
                    return;
                }
            });
            var job = InkClusterJob.RunAsync(cluster.Client, request, watch);
            var (killed, lostItem) = await chosen.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await cluster.KillSiloAsync(killed);
            var done = await job.WaitAsync(TimeSpan.FromSeconds(120));
            Assert.All(done.Items, i => Assert.Equal(InkWorkState.Done, i.State));
            return (done, killed.SiloAddress.Endpoint.ToString(), lostItem);
        }
        finally
        {
            ThreadPool.SetMinThreads(workers, completion);
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    private static void AssertSameOutputs(string single, string output)
    {
        foreach (string file in Outputs)
            Assert.True(File.ReadAllBytes(Path.Combine(single, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(output, file))), $"{output}/{file} differs from the single-machine run's");
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (string folder in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(folder.Replace(from, to, StringComparison.Ordinal));
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
    }

    private sealed class EngineSiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo) => EngineSilo.ConfigureEngine(silo);
    }

    /// <summary>Calls back on the reporting thread, in order (<see cref="Progress{T}"/> posts to a synchronization context).</summary>
    private sealed class InlineProgress(Action<InkJobProgress> report) : IProgress<InkJobProgress>
    {
        public void Report(InkJobProgress value) => report(value);
    }
}
