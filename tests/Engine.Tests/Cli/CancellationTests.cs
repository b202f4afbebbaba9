using System.Diagnostics;
using Engine.Torch.Identity;

namespace Engine.Tests.Cli;

/// <summary>Ctrl-C on a long command, as a user presses it: the real process gets SIGINT.</summary>
public sealed class CancellationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Sigint_during_identify_train_prints_one_line_exits_130_and_leaves_no_model()
    {
        using var folder = new TempFolder();
        var set = SyntheticIdentities.Write(folder.File("set"), new SyntheticIdentityOptions { Species = 2, IndividualsPerSpecies = 6, MaxImages = 4, Size = 16, Seed = 2 });
        string model = folder.File("model");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "Engine.Cli.dll"), "identify", "train", "--train", set.TrainCsv, "--images", set.Images,
            "--out", model, "--size", "16", "--epochs", "10000" })
            start.ArgumentList.Add(arg);
        using var engine = Process.Start(start)!;
        try
        {
            var training = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            engine.OutputDataReceived += (_, e) =>
            {
                if (e.Data?.StartsWith("epoch 1:", StringComparison.Ordinal) == true)
                    training.TrySetResult();
            };
            engine.BeginOutputReadLine();
            var error = engine.StandardError.ReadToEndAsync();
            await Task.WhenAny(training.Task, engine.WaitForExitAsync()).WaitAsync(Patience);
            if (!training.Task.IsCompleted)
                Assert.Fail($"identify train ended before its first epoch: {await error}");

            using (var kill = Process.Start("/bin/kill", ["-INT", engine.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                await kill.WaitForExitAsync();
            await engine.WaitForExitAsync().WaitAsync(Patience);

            Assert.Equal(130, engine.ExitCode);
            Assert.Equal("engine: cancelled", (await error).Trim());
            Assert.Equal([folder.File("set")], Directory.GetFileSystemEntries(folder.Path));
        }
        finally
        {
            if (!engine.HasExited)
                engine.Kill();
        }
    }
}
