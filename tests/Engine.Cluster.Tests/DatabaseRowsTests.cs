using System.Text;
using Engine.Cluster.Knn;

namespace Engine.Cluster.Tests;

/// <summary>The loader's view of a database file: rows by range, from a mapping that is not limited to one array.</summary>
public sealed class DatabaseRowsTests
{
    [Fact]
    public void A_float32_npy_of_more_than_2_to_the_31_floats_is_read_by_ranges()
    {
        using var folder = new TempFolder();
        string path = folder.File("big.npy");
        const int dimension = 64;
        const long rows = (1L << 31) / dimension + 1;
        // A sparse file: 8 GiB long, only its header and last row written, so it costs a few KiB of disk.
        using (var file = new FileStream(path, FileMode.CreateNew))
        {
            string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {dimension}), }}";
            int headerLength = (10 + dict.Length + 1 + 63) / 64 * 64 - 10;
            file.Write([0x93, .. "NUMPY"u8, 1, 0, (byte)headerLength, (byte)(headerLength >> 8)]);
            file.Write(Encoding.ASCII.GetBytes(dict.PadRight(headerLength - 1) + "\n"));
            long data = file.Position;
            file.SetLength(data + rows * dimension * sizeof(float));
            file.Position = data + (rows - 1) * dimension * sizeof(float);
            var last = Enumerable.Range(1, dimension).Select(i => (float)i).ToArray();
            file.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(last.AsSpan()));
        }

        using var database = DatabaseRows.Open(path);
        Assert.Equal(rows, database.Rows);
        Assert.Equal(dimension, database.Dimension);
        Assert.Equal(Enumerable.Range(1, dimension).Select(i => (float)i), database.Read(rows - 1, 1).ToArray());
        Assert.All(database.Read(rows - 3, 2).ToArray(), v => Assert.Equal(0f, v));
        ClusterIndex.CheckRows(database.Read(rows - 2, 2), dimension, normalize: false, path, rows - 2);
        var zero = Assert.Throws<ArgumentException>(() => ClusterIndex.CheckRows(database.Read(rows - 2, 2), dimension, normalize: true, path, rows - 2));
        Assert.Equal($"{path}: row {rows - 2} is all zeros (or too small to square in float32) and cannot be L2-normalized.", zero.Message);
    }

    [Fact]
    public void A_float64_npy_is_read_whole_as_float32_like_the_single_machine_reader()
    {
        using var folder = new TempFolder();
        string path = folder.File("f64.npy");
        Engine.IO.NpyFile.Write(path, Enumerable.Range(0, 40).Select(i => Math.Sin(i) / 3).ToArray(), [10, 4]);
        using var database = DatabaseRows.Open(path);
        var whole = Engine.IO.EmbeddingFile.Read(path);
        Assert.Equal(10, database.Rows);
        Assert.Equal(whole.Data.AsSpan(5 * 4, 3 * 4).ToArray(), database.Read(5, 3).ToArray());
    }
}
