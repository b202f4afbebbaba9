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
        string source = Path.Combine(_folder, "source");
        SyntheticFragment.Write(source, new SyntheticFragmentOptions { Width = 768, Height = 512, Slices = 12, Seed = 5, InkSlices = new SliceRange(6, 9), InkContrast = 5000 });
        string[] names = ["alpha", "beta", "gamma"];
        foreach (string name in names)
            CopyFolder(source, Path.Combine(_folder, name));
        string model = Path.Combine(_folder, "model");
        var input = new InkInput { Slices = new SliceRange(4, 11), Tile = 64 };
        TorchRuntime.EnsureLoaded();
        using (var net = new InkModel(new InkModelConfig { Groups = 2, ChannelsPerGroup = 4, Widths = [8, 8, 12, 12, 16], NeckChannels = 8, Blocks3d = 1 }))
            InkCheckpoint.Save(model, net, input, new Dictionary<string, double>());
        // Flips triple each item's work, so that an item is still running when its silo is killed: killing takes a
        // second or two, and the coordinator sees a finished item within 250 ms.
        var options = new InkInferenceOptions { Stride = 32, Tta = InkTta.Flips };
        string single = Path.Combine(_folder, "single");
        InkInference.Run(source, [model], single, options);

        var builder = new TestClusterBuilder(3);
        builder.AddSiloBuilderConfigurator<EngineSiloConfigurator>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        try
        {
            string primary = cluster.Primary!.SiloAddress.Endpoint.ToString();
            var victim = new TaskCompletionSource<(SiloHandle Silo, string Item)>(TaskCreationOptions.RunContinuationsAsynchronously);
            var watch = new InlineProgress(p =>
            {
                if (victim.Task.IsCompleted)
                    return;
                foreach (var item in p.Items.Where(i => i.State == InkWorkState.Running && i.Silo != primary && i.Silo != p.Coordinator))
                {
                    var silo = cluster.Silos.Single(s => s.SiloAddress.Endpoint.ToString() == item.Silo);
                    victim.TrySetResult((silo, item.Name));
                    return;
                }
            });
            var request = new InkJobRequest
            {
                Fragments = names.Select(n => Path.Combine(_folder, n)).ToArray(),
                Models = [model],
                Output = Path.Combine(_folder, "out"),
                Options = new InkJobOptions { Stride = 32, Tta = "flips" },
            };
            var job = InkClusterJob.RunAsync(cluster.Client, request, watch);
            var (killed, lostItem) = await victim.Task.WaitAsync(TimeSpan.FromSeconds(60));
            await cluster.KillSiloAsync(killed);
            var done = await job.WaitAsync(TimeSpan.FromSeconds(120));

            Assert.All(done.Items, i => Assert.Equal(InkWorkState.Done, i.State));
            var lost = done.Items.Single(i => i.Name == lostItem);
            Assert.Equal(2, lost.Attempts);
            Assert.NotEqual(killed.SiloAddress.Endpoint.ToString(), lost.Result!.Silo);
            Assert.Equal(3, done.Items.Select(i => i.Attempts == 1 ? i.Result!.Silo : null).Append(killed.SiloAddress.Endpoint.ToString()).Distinct().Count(s => s is not null));
            foreach (string name in names)
            {
                foreach (string file in Outputs)
                    Assert.True(File.ReadAllBytes(Path.Combine(single, file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(request.Output, name, file))), $"{name}/{file} differs from the single-machine run's");
            }
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
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
