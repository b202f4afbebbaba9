using Engine.IO;

namespace Engine.Tests.Cli;

/// <summary><c>engine ink infer --cluster</c>'s mistakes are named before any silo is asked (no cluster runs here; Engine.Cluster.Tests runs the jobs).</summary>
public sealed class InkInferClusterCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Folder(string name) => Directory.CreateDirectory(_folder.File(name)).FullName;

    [Fact]
    public void Mistakes_are_one_line_before_the_cluster_is_asked()
    {
        string a = Folder("a"), b = Folder("b"), model = Folder("model"), sameName = Folder(Path.Combine("other", "a"));
        HostileOptionTests.AssertOneLineError(CliRunner.Run("ink", "infer", "--fragment", a, "--fragment", b, "--model", model, "--out", _folder.File("o")),
            "--fragment is given 2 times; one machine infers one fragment (add --cluster");
        HostileOptionTests.AssertOneLineError(CliRunner.Run("ink", "infer", "--cluster", "localhost", "--fragment", a, "--model", model, "--out", _folder.File("o")),
            "--cluster localhost is not HOST:PORT");
        HostileOptionTests.AssertOneLineError(CliRunner.Run("ink", "infer", "--cluster", "127.0.0.1:1", "--fragment", _folder.File("none"), "--model", model, "--out", _folder.File("o")),
            $"Fragment folder {_folder.File("none")} does not exist");
        HostileOptionTests.AssertOneLineError(CliRunner.Run("ink", "infer", "--cluster", "127.0.0.1:1", "--fragment", a, "--model", _folder.File("nomodel"), "--out", _folder.File("o")),
            $"Model folder {_folder.File("nomodel")} does not exist");
        HostileOptionTests.AssertOneLineError(CliRunner.Run("ink", "infer", "--cluster", "127.0.0.1:1", "--fragment", a, "--fragment", sameName, "--model", model, "--out", _folder.File("o")),
            $"are both named a: their outputs would both go to {Path.Combine(_folder.File("o"), "a")}");
        HostileOptionTests.AssertOneLineError(CliRunner.Run("ink", "infer", "--cluster", "127.0.0.1:1", "--fragment", a, "--model", model, "--out", _folder.File("o"), "--region-rows", "-1"),
            "--region-rows -1 must be at least 0.");
        HostileOptionTests.AssertOneLineError(CliRunner.Run("ink", "infer", "--fragment", a, "--model", model, "--out", _folder.File("o"), "--region-rows", "512"),
            "--region-rows splits fragments over a cluster's silos; add --cluster.");
        Assert.False(Directory.Exists(_folder.File("o")));
    }
}
