using Engine.IO;

namespace Engine.Tests.IO;

/// <summary>NpyFile.Map and MapFile.OpenValues: the mapped values are exactly what NpyFile reads, with the same header and size checks.</summary>
public sealed class NpyMappingTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Mapped_float32_and_float64_values_equal_the_read_ones()
    {
        var floats = Enumerable.Range(0, 1000).Select(i => MathF.Sin(i) * 1e3f).ToArray();
        var doubles = floats.Select(f => f / 3.0).ToArray();
        string f32 = _folder.File("f32.npy"), f64 = _folder.File("f64.npy");
        NpyFile.Write(f32, floats, [10, 100]);
        NpyFile.Write(f64, doubles, [1000]);

        using (var mapping = NpyFile.Map(f32))
        {
            Assert.Equal([10, 100], mapping.Header.Shape);
            Assert.Equal(NpyFile.ReadFloat32(f32).Data, mapping.Float32.ToArray());
            Assert.Throws<InvalidOperationException>(() => mapping.Float64.Length);
        }
        using (var values = MapFile.OpenValues(f64))
        {
            Assert.True(values.IsFloat64);
            Assert.Equal(doubles, values.Doubles.ToArray());
        }
    }

    [Fact]
    public void A_range_of_values_is_the_same_slice_of_the_read_ones_and_must_lie_inside_the_file()
    {
        var floats = Enumerable.Range(0, 1000).Select(i => MathF.Cos(i)).ToArray();
        string path = _folder.File("f32.npy");
        NpyFile.Write(path, floats, [1000]);
        using var mapping = NpyFile.Map(path);
        Assert.Equal(1000, mapping.Count);
        Assert.Equal(floats[990..], mapping.Float32Range(990, 10).ToArray());
        Assert.Equal(0, mapping.Float32Range(1000, 0).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Float32Range(995, 6).Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => mapping.Float32Range(-1, 1).Length);
    }

    [Fact]
    public void Other_dtypes_are_read_and_empty_arrays_map()
    {
        string ints = _folder.File("i32.npy"), empty = _folder.File("empty.npy");
        NpyFile.Write(ints, [1, -2, 3], [3]);
        NpyFile.Write(empty, ReadOnlySpan<float>.Empty, [0]);
        using (var values = MapFile.OpenValues(ints))
            Assert.Equal([1f, -2f, 3f], values.Floats.ToArray());
        using (var mapping = NpyFile.Map(empty))
            Assert.Equal(0, mapping.Float32.Length);
        Assert.Throws<NotSupportedException>(() => NpyFile.Map(ints));
    }

    [Fact]
    public void A_file_shorter_or_longer_than_its_header_promises_is_refused_and_a_disposed_mapping_is_not_read()
    {
        string path = _folder.File("f32.npy");
        NpyFile.Write(path, new float[16], [16]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(_folder.File("short.npy"), bytes[..^4]);
        File.WriteAllBytes(_folder.File("long.npy"), [.. bytes, 0, 0, 0, 0]);
        Assert.Contains("its header promises 64", Assert.Throws<InvalidDataException>(() => NpyFile.Map(_folder.File("short.npy"))).Message);
        Assert.Throws<InvalidDataException>(() => NpyFile.Map(_folder.File("long.npy")));

        var mapping = NpyFile.Map(path);
        mapping.Dispose();
        Assert.Throws<ObjectDisposedException>(() => mapping.Float32.Length);
    }
}
