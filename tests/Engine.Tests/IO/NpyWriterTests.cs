using Engine.IO;

namespace Engine.Tests.IO;

public class NpyWriterTests
{
    [Fact]
    public void Appended_rows_read_back_with_the_final_count_in_the_header()
    {
        using var folder = new TempFolder();
        string path = folder.File("grown.npy");
        using (var writer = new NpyWriter<float>(path, [2, 3]))
        {
            writer.Append([1, 2, 3, 4, 5, 6]);
            writer.Append(Enumerable.Range(7, 12).Select(v => (float)v).ToArray());
            Assert.Equal(3, writer.Rows);
            writer.Complete();
        }
        var array = NpyFile.ReadFloat32(path);
        Assert.Equal([3, 2, 3], array.Shape);
        Assert.Equal(Enumerable.Range(1, 18).Select(v => (float)v), array.Data);
        // The header is numpy's own: the same bytes NpyFile.Write produces for the whole array at once.
        string whole = folder.File("whole.npy");
        NpyFile.Write(whole, array.Data, [3, 2, 3]);
        Assert.Equal(File.ReadAllBytes(whole), File.ReadAllBytes(path));
    }

    [Fact]
    public void No_rows_is_an_empty_array_and_bad_input_is_refused()
    {
        using var folder = new TempFolder();
        string path = folder.File("empty.npy");
        using (var writer = new NpyWriter<int>(path, [2]))
        {
            Assert.Contains("not whole rows of 2", Assert.Throws<ArgumentException>(() => writer.Append([1, 2, 3])).Message);
            writer.Complete();
        }
        Assert.Equal([0, 2], NpyFile.ReadInt32(path).Shape);
        Assert.Throws<NotSupportedException>(() => new NpyWriter<short>(folder.File("x.npy"), [1]));
        Assert.Throws<ArgumentException>(() => new NpyWriter<float>(folder.File("y.npy"), [-1]));
    }

    [Fact]
    public void Rows_become_the_file_only_on_Complete()
    {
        using var folder = new TempFolder();
        string path = folder.File("tiles.npy");
        File.WriteAllText(path, "old");
        using (var writer = new NpyWriter<float>(path, [2]))
        {
            writer.Append([1, 2]);
            Assert.Equal("old", File.ReadAllText(path));
        }
        // Disposed without Complete, as on an error: the old file stays and no temporary is left.
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(folder.Path));

        string fresh = folder.File("fresh.npy");
        using (var writer = new NpyWriter<float>(fresh, [2]))
            writer.Append([1, 2]);
        Assert.False(File.Exists(fresh));
        Assert.Equal([path], Directory.GetFiles(folder.Path));
    }
}
