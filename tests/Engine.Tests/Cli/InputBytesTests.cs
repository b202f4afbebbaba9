using Engine.Cli;

namespace Engine.Tests.Cli;

/// <summary>The mapped input <c>engine wbf</c> reads: the file's bytes exactly, from a mapping or, where none can be made, an array.</summary>
public sealed class InputBytesTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4097)]
    public void Holds_the_files_bytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        string path = _folder.File("input.bin");
        File.WriteAllBytes(path, bytes);

        using var input = InputBytes.Open(path);

        Assert.Equal(bytes, input.Span.ToArray());
    }

    [Fact]
    public void A_missing_file_is_an_io_error_naming_it()
    {
        var error = Assert.ThrowsAny<IOException>(() => InputBytes.Open(_folder.File("missing.jsonl")));
        Assert.Contains("missing.jsonl", error.Message);
    }

    [Fact]
    public void An_empty_wbf_input_has_no_images_and_writes_an_empty_output()
    {
        string input = _folder.File("empty.jsonl");
        File.WriteAllText(input, "");
        var result = CliRunner.Run("wbf", "--input", input, "--out", _folder.File("out.jsonl"));
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("0 images", result.Output);
        Assert.Equal(0, new FileInfo(_folder.File("out.jsonl")).Length);
    }
}
