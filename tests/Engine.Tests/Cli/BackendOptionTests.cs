namespace Engine.Tests.Cli;

/// <summary>
/// <c>--backend</c> on the detection commands: WBF's kernel on ILGPU's CPU emulator writes the CPU path's file,
/// byte for byte (tiny inputs: the emulator is thousands of times slower).
/// </summary>
public sealed class BackendOptionTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string Gt => TestData.PathOf("coco", "area_field", "gt.json");

    private static string Dt => TestData.PathOf("coco", "area_field", "dt.json");

    /// <summary>Runs the command once per backend, the output file last, and returns both files' bytes.</summary>
    private (byte[] Cpu, byte[] Kernel) OnBothBackends(params string[] args)
    {
        var files = new List<byte[]>();
        foreach (string backend in new[] { "cpu", "ilgpu-cpu" })
        {
            string output = _folder.File($"{backend}.json");
            var result = CliRunner.Run([.. args, "--out", output, "--backend", backend]);
            Assert.True(result.ExitCode == 0, result.Error);
            files.Add(File.ReadAllBytes(output));
        }
        return (files[0], files[1]);
    }

    [Fact]
    public void Wbf_on_the_kernel_writes_the_cpu_paths_file()
    {
        string input = _folder.File("in.json");
        File.WriteAllText(input, """
            [{"models":[{"boxes":[[0.1,0.1,0.5,0.5],[0.12,0.1,0.5,0.52],[0.6,0.6,0.9,0.9]],"scores":[0.9,0.3,0.7],"labels":[0,0,1]},
                        {"boxes":[[0.11,0.09,0.49,0.5],[0.61,0.6,0.92,0.88]],"scores":[0.8,0.6],"labels":[0,1]}],"weights":[2,1]},
             {"models":[{"boxes":[[0.2,0.3,0.4,0.6]],"scores":[0.5],"labels":[3]},{"boxes":[[0.21,0.3,0.41,0.62]],"scores":[0.45],"labels":[3]}]}]
            """);
        var (cpu, kernel) = OnBothBackends("wbf", "--input", input, "--conf-type", "box_and_model_avg");
        Assert.Contains("\"boxes\"", System.Text.Encoding.UTF8.GetString(cpu));
        Assert.Equal(cpu, kernel);
    }

    [Fact]
    public void Detect_fuse_on_the_kernel_writes_the_cpu_paths_file()
    {
        var (cpu, kernel) = OnBothBackends("detect", "fuse", "--images", Gt, "--pred", Dt, "--pred", Dt, "--weights", "2,1");
        Assert.True(cpu.Length > 100);
        Assert.Equal(cpu, kernel);
    }

    [Fact]
    public void Detect_tune_on_the_kernel_writes_the_cpu_paths_file()
    {
        var (cpu, kernel) = OnBothBackends("detect", "tune", "--gt", Gt, "--pred", Dt, "--pred", Dt, "--iou-thr", "0.4,0.6");
        Assert.True(cpu.Length > 100);
        Assert.Equal(cpu, kernel);
    }

    [Fact]
    public void An_unknown_backend_is_named()
    {
        var result = CliRunner.Run("wbf", "--input", _folder.File("absent.json"), "--out", _folder.File("out.json"), "--backend", "tpu");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--backend tpu", result.Error);
    }
}
