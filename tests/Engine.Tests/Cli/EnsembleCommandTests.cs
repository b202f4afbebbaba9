using Engine.IO;

namespace Engine.Tests.Cli;

/// <summary><c>engine ensemble</c> on .npy files: the blend by hand, the weight search, logits, and one-line errors.</summary>
public sealed class EnsembleCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Npy(string name, float[] values, params int[] shape)
    {
        string path = _folder.File(name);
        NpyFile.Write(path, values, shape);
        return path;
    }

    [Fact]
    public void Weighted_mean_by_hand()
    {
        string a = Npy("a.npy", [0.9f, 0.1f, 0.2f, 0.8f], 2, 2), b = Npy("b.npy", [0.6f, 0.4f, 0.5f, 0.5f], 2, 2), output = _folder.File("p.npy");
        var r = CliRunner.Run("ensemble", "--prob", a, "--prob", b, "--weights", "2,1", "--out", output);
        Assert.True(r.ExitCode == 0, r.Error);
        var p = NpyFile.ReadFloat32(output);
        Assert.Equal([2, 2], p.Shape);
        // In float64 from the float32 inputs, rounded once to float32.
        Assert.Equal([(float)((2.0 * 0.9f + 0.6f) / 3), (float)((2.0 * 0.1f + 0.4f) / 3), (float)((2.0 * 0.2f + 0.5f) / 3), (float)((2.0 * 0.8f + 0.5f) / 3)], p.Data);
    }

    [Fact]
    public void Weight_search_with_labels()
    {
        // a is right on samples 0–1, b on sample 2; equal weights get all three right.
        string a = Npy("a.npy", [0.9f, 0.1f, 0.8f, 0.2f, 0.6f, 0.4f], 3, 2), b = Npy("b.npy", [0.4f, 0.6f, 0.45f, 0.55f, 0.1f, 0.9f], 3, 2);
        string y = _folder.File("y.npy"), output = _folder.File("p.npy");
        NpyFile.Write(y, new long[] { 0, 0, 1 }, [3]);
        var r = CliRunner.Run("ensemble", "--prob", a, "--prob", b, "--labels", y, "--search-step", "0.5", "--out", output, "--json");
        Assert.True(r.ExitCode == 0, r.Error);
        Assert.Equal(3, r.Json.GetProperty("candidates").GetArrayLength());
        Assert.Equal(1.0, r.Json.GetProperty("score").GetDouble());
        Assert.Equal([0.5, 0.5], r.Json.GetProperty("weights").EnumerateArray().Select(w => w.GetDouble()).ToArray());
    }

    [Fact]
    public void Logits_averaged_before_or_after_the_softmax()
    {
        string a = Npy("a.npy", [0f, 2f], 1, 2), b = Npy("b.npy", [0f, 0f], 1, 2), before = _folder.File("before.npy"), after = _folder.File("after.npy");
        Assert.Equal(0, CliRunner.Run("ensemble", "--prob", a, "--prob", b, "--logits", "--average", "logits", "--out", before).ExitCode);
        Assert.Equal(0, CliRunner.Run("ensemble", "--prob", a, "--prob", b, "--logits", "--out", after).ExitCode);
        // softmax of the mean logits [0, 1]; the mean of softmax([0, 2]) and [0.5, 0.5].
        Assert.Equal((float)(Math.E / (1 + Math.E)), NpyFile.ReadFloat32(before).Data[1], 1e-6f);
        Assert.Equal((float)((Math.Exp(2) / (1 + Math.Exp(2)) + 0.5) / 2), NpyFile.ReadFloat32(after).Data[1], 1e-6f);
    }

    [Fact]
    public void Mismatched_shapes_name_both_files()
    {
        string a = Npy("a.npy", [0.9f, 0.1f], 1, 2), b = Npy("b.npy", [0.9f, 0.1f, 0.5f], 1, 3);
        var r = CliRunner.Run("ensemble", "--prob", a, "--prob", b, "--out", _folder.File("p.npy"));
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"engine: error: {b}: shape (1, 3) differs from {a}'s (1, 2).", r.Error.TrimEnd());
        Assert.False(File.Exists(_folder.File("p.npy")));
    }

    [Fact]
    public void A_bad_label_names_the_file_and_sample()
    {
        string a = Npy("a.npy", [0.9f, 0.1f, 0.4f, 0.6f], 2, 2), y = _folder.File("y.npy");
        NpyFile.Write(y, new long[] { 0, 5 }, [2]);
        var r = CliRunner.Run("ensemble", "--prob", a, "--labels", y, "--out", _folder.File("p.npy"));
        Assert.Equal(1, r.ExitCode);
        Assert.Equal($"engine: error: {y}: sample 1 has label 5, not a class 0 to 1.", r.Error.TrimEnd());
    }
}
