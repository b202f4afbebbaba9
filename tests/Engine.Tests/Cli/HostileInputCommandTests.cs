using System.Buffers.Binary;
using System.IO.Compression;
using Engine.IO;
using Engine.Tests.IO;

namespace Engine.Tests.Cli;

/// <summary>The hostile files of tests/data/hostile through the commands that read them: one error line, exit code 1.</summary>
public sealed class HostileInputCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static string Hostile(string folder, string name) => HostileInputTests.PathOf(folder, name);

    private static void AssertOneErrorLine(CliRunner.Result result, string path, params string[] phrases)
    {
        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("engine: error: ", result.Error);
        Assert.EndsWith("\n", result.Error);
        string line = result.Error.TrimEnd('\n');
        Assert.DoesNotContain('\n', line);
        HostileInputTests.AssertClean(line, path);
        foreach (string phrase in phrases)
            Assert.Contains(phrase, line);
    }

    public static TheoryData<string> Files(string folder, string extension) =>
        [.. Directory.GetFiles(TestData.PathOf("hostile", folder), "*" + extension)
            .Select(p => Path.GetFileName(p)).Where(n => !n.StartsWith("valid_", StringComparison.Ordinal)
                && !n.StartsWith("coords_", StringComparison.Ordinal)).Order()];

    public static TheoryData<string> Pngs() => Files("png", ".png");

    public static TheoryData<string> Npys() => Files("npy", ".npy");

    public static TheoryData<string> Fvecs() => Files("fvecs", ".fvecs");

    public static TheoryData<string> Jsons() => Files("json", ".json");

    [Theory]
    [MemberData(nameof(Pngs))]
    public void Fbeta_reports_a_corrupt_png_in_one_line(string name)
    {
        string path = Hostile("png", name);
        var result = CliRunner.Run("fbeta", "--pred", path, "--truth", Hostile("png", "valid_gray8.png"));
        AssertOneErrorLine(result, path);
    }

    [Theory]
    [MemberData(nameof(Npys))]
    public void Quantile_reports_a_corrupt_npy_in_one_line(string name)
    {
        string path = Hostile("npy", name);
        var result = CliRunner.Run("quantile", "--input", path, "-q", "0.5");
        AssertOneErrorLine(result, path);
    }

    [Theory]
    [MemberData(nameof(Fvecs))]
    public void Knn_reports_a_corrupt_fvecs_in_one_line(string name)
    {
        string path = Hostile("fvecs", name);
        var result = CliRunner.Run("knn", "--database", path, "--queries", Hostile("fvecs", "valid_3x8.fvecs"), "-k", "1",
            "--out-ids", _folder.File("ids.npy"), "--out-scores", _folder.File("scores.npy"));
        AssertOneErrorLine(result, path);
    }

    [Theory]
    [MemberData(nameof(Jsons))]
    public void Wbf_reports_a_corrupt_box_file_in_one_line(string name)
    {
        string path = Hostile("json", name);
        var result = CliRunner.Run("wbf", "--input", path, "--out", _folder.File("out.json"));
        AssertOneErrorLine(result, path);
    }

    [Fact]
    public void Wbf_refuses_a_1e308_score_naming_file_image_and_model()
    {
        string path = Hostile("json", "score_1e308.json");
        var result = CliRunner.Run("wbf", "--input", path, "--out", _folder.File("out.json"));
        AssertOneErrorLine(result, path, "image 0, model 0, score 0 is 1E+308");
        Assert.DoesNotContain("nfinity", result.Error);
    }

    [Theory]
    [InlineData("coords_out_of_order.json")]
    [InlineData("coords_out_of_range.json")]
    public void Wbf_fixes_what_ensemble_boxes_fixes_with_a_warning(string name)
    {
        var result = CliRunner.Run("wbf", "--input", Hostile("json", name), "--out", _folder.File("out.json"));
        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("engine: warning: image 0, model 0, box 0:", result.Error);
    }

    /// <summary>A valid 1-bit PNG of width × height pixels, all zero: about 1/1000 of its 8-bit size.</summary>
    private string ValidHugePng(int width, int height)
    {
        string path = _folder.File($"valid_{width}x{height}.png");
        int rowBytes = (width + 7) / 8;
        var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            var row = new byte[1 + rowBytes];
            for (int y = 0; y < height; y++)
                zlib.Write(row);
        }
        using var file = File.Create(path);
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 1; // bit depth 1, colour type 0
        WriteChunk(file, "IHDR"u8, ihdr);
        WriteChunk(file, "IDAT"u8, compressed.ToArray());
        WriteChunk(file, "IEND"u8, []);
        return path;
    }

    private static void WriteChunk(Stream file, ReadOnlySpan<byte> type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        file.Write(word);
        file.Write(type);
        file.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, System.IO.Hashing.Crc32.HashToUInt32([.. type, .. data]));
        file.Write(word);
    }

    [Fact]
    public void Sizes_are_compared_from_the_headers_before_anything_is_decoded()
    {
        // A valid 30,000 × 30,000 prediction against the 80 × 64 truth: refused from the two IHDRs, with next to
        // nothing allocated (decoding it would take 900 MB).
        string huge = ValidHugePng(30000, 30000);
        string truth = Hostile("png", "valid_gray8.png");
        long before = GC.GetAllocatedBytesForCurrentThread();
        var result = CliRunner.Run("fbeta", "--pred", huge, "--truth", truth);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        AssertOneErrorLine(result, huge, "is 64 × 80 (height × width) but", "is 30000 × 30000");
        Assert.True(allocated < 16 << 20, $"allocated {allocated:N0} bytes before refusing");

        before = GC.GetAllocatedBytesForCurrentThread();
        result = CliRunner.Run("threshold", "--input", truth, "--mask", huge, "--percentile", "0.5", "--out", _folder.File("ink.png"));
        AssertOneErrorLine(result, huge, "30000 × 30000");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
        Assert.False(File.Exists(_folder.File("ink.png")));

        result = CliRunner.Run("best-percentile", "--probs", truth, "--truth", truth, "--mask", huge);
        AssertOneErrorLine(result, huge, "30000 × 30000");

        before = GC.GetAllocatedBytesForCurrentThread();
        result = CliRunner.Run("quantile", "--input", truth, "--mask", huge, "-q", "0.5");
        AssertOneErrorLine(result, huge, "has 900000000 pixels but", "has 5120 values");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
    }

    [Fact]
    public void A_NaN_in_a_masked_npy_names_the_file_the_index_and_the_flag()
    {
        string values = _folder.File("values.npy");
        NpyFile.Write(values, new float[] { 1, 2, float.NaN, 4, float.NaN, 6 }, [2, 3]);
        string mask = _folder.File("mask.npy");
        NpyFile.Write(mask, new byte[] { 1, 1, 1, 1, 1, 1 }, [2, 3]);
        var result = CliRunner.Run("quantile", "--input", values, "--mask", mask, "-q", "0.5");
        AssertOneErrorLine(result, values, "value 2 is NaN (2 selected values are)", "Pass --ignore-nan");
        Assert.DoesNotContain("ignoreNaN", result.Error);

        result = CliRunner.Run("threshold", "--input", values, "--mask", mask, "--percentile", "0.5", "--out", _folder.File("ink.npy"));
        AssertOneErrorLine(result, values, "value 2 (row 0, column 2) is NaN", "Pass --ignore-nan");
    }
}
