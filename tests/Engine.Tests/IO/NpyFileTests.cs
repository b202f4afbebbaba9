using System.Text;
using Engine.IO;

namespace Engine.Tests.IO;

public class NpyFileTests
{
    /// <summary>Every file numpy wrote that Engine reads, with its dtype.</summary>
    public static TheoryData<string, NpyDtype> Readable => new()
    {
        { "npy_f4_3x4.npy", NpyDtype.Float32 },
        { "npy_f8_2x3x5.npy", NpyDtype.Float64 },
        { "npy_i4_7.npy", NpyDtype.Int32 },
        { "npy_i8_2x2.npy", NpyDtype.Int64 },
        { "npy_u1_5x3.npy", NpyDtype.UInt8 },
        { "npy_b1_4x5.npy", NpyDtype.Bool },
        { "npy_u2_3x3.npy", NpyDtype.UInt16 },
        { "npy_f2_2x5.npy", NpyDtype.Float16 },
        { "npy_f8_scalar.npy", NpyDtype.Float64 },
        { "npy_f4_one.npy", NpyDtype.Float32 },
        { "npy_u1_empty.npy", NpyDtype.UInt8 },
        { "npy_f4_v2.npy", NpyDtype.Float32 },
        { "npy_f4_v3.npy", NpyDtype.Float32 },
    };

    [Theory]
    [MemberData(nameof(Readable))]
    public void The_header_gives_numpys_dtype_and_shape(string name, NpyDtype dtype)
    {
        var header = NpyFile.ReadHeader(IoData.PathOf(name));
        Assert.Equal(dtype, header.Dtype);
        Assert.Equal(IoData.Shape(name), header.Shape);
        Assert.Equal(IoData.Values(name).Length, header.ElementCount);
    }

    [Theory]
    [MemberData(nameof(Readable))]
    public void Float32_reads_every_dtype_value_by_value(string name, NpyDtype dtype)
    {
        var (data, shape) = NpyFile.ReadFloat32(IoData.PathOf(name));
        // Integers convert straight to float32 (int64 → float64 → float32 could round twice).
        float[] expected = dtype is NpyDtype.Int32 or NpyDtype.Int64
            ? IoData.Integers(name).Select(v => (float)v).ToArray()
            : IoData.Values(name).Select(v => (float)v).ToArray();
        IoData.AssertSameBits(expected, data, name);
        Assert.Equal(IoData.Shape(name), shape);
    }

    [Theory]
    [MemberData(nameof(Readable))]
    public void Float64_reads_every_dtype_value_by_value(string name, NpyDtype dtype)
    {
        var (data, shape) = NpyFile.ReadFloat64(IoData.PathOf(name));
        double[] expected = dtype is NpyDtype.Int64
            ? IoData.Integers(name).Select(v => (double)v).ToArray()
            : IoData.Values(name);
        IoData.AssertSameBits(expected, data, name);
        Assert.Equal(IoData.Shape(name), shape);
    }

    [Theory]
    [InlineData("npy_u1_5x3.npy")]
    [InlineData("npy_b1_4x5.npy")]
    [InlineData("npy_u1_empty.npy")]
    public void Bytes_read_uint8_and_bool(string name)
    {
        var (data, shape) = NpyFile.ReadBytes(IoData.PathOf(name));
        Assert.Equal(IoData.Integers(name).Select(v => (byte)v).ToArray(), data);
        Assert.Equal(IoData.Shape(name), shape);
    }

    [Theory]
    [InlineData("npy_i4_7.npy")]
    [InlineData("npy_u2_3x3.npy")]
    [InlineData("npy_u1_5x3.npy")]
    [InlineData("npy_b1_4x5.npy")]
    public void Int32_reads_int32_and_narrower_integers_exactly(string name)
    {
        var (data, shape) = NpyFile.ReadInt32(IoData.PathOf(name));
        Assert.Equal(IoData.Integers(name).Select(v => (int)v).ToArray(), data);
        Assert.Equal(IoData.Shape(name), shape);
    }

    [Theory]
    [InlineData("npy_i8_2x2.npy")]
    [InlineData("npy_i4_7.npy")]
    [InlineData("npy_u2_3x3.npy")]
    [InlineData("npy_b1_4x5.npy")]
    public void Int64_reads_int64_and_narrower_integers_exactly(string name)
    {
        var (data, shape) = NpyFile.ReadInt64(IoData.PathOf(name));
        Assert.Equal(IoData.Integers(name), data);
        Assert.Equal(IoData.Shape(name), shape);
    }

    [Fact]
    public void A_0d_array_has_an_empty_shape_and_one_element()
    {
        var (data, shape) = NpyFile.ReadFloat64(IoData.PathOf("npy_f8_scalar.npy"));
        Assert.Empty(shape);
        Assert.Equal([2.718281828459045], data);
    }

    [Fact]
    public void Nonzero_bool_bytes_read_as_one_like_numpy()
    {
        using var temp = new TempFolder();
        string path = temp.File("bools.npy");
        byte[] file = IoData.Bytes("npy_b1_4x5.npy");
        file[^1] = 7; // numpy.frombuffer(b"\x07", bool) is True
        File.WriteAllBytes(path, file);
        Assert.Equal(1, NpyFile.ReadBytes(path).Data[^1]);
        Assert.Equal(1f, NpyFile.ReadFloat32(path).Data[^1]);
    }

    [Theory]
    [InlineData("npy_f4_3x4.npy")]
    [InlineData("npy_f8_2x3x5.npy")]
    [InlineData("npy_i4_7.npy")]
    [InlineData("npy_i8_2x2.npy")]
    [InlineData("npy_u1_5x3.npy")]
    [InlineData("npy_f8_scalar.npy")]
    [InlineData("npy_f4_one.npy")]
    [InlineData("npy_u1_empty.npy")]
    public void Written_files_equal_numpy_save_byte_for_byte(string name)
    {
        using var temp = new TempFolder();
        string source = IoData.PathOf(name), copy = temp.File(name);
        switch (NpyFile.ReadHeader(source).Dtype)
        {
            case NpyDtype.Float32: { var (d, s) = NpyFile.ReadFloat32(source); NpyFile.Write(copy, d, s); break; }
            case NpyDtype.Float64: { var (d, s) = NpyFile.ReadFloat64(source); NpyFile.Write(copy, d, s); break; }
            case NpyDtype.Int32: { var (d, s) = NpyFile.ReadInt32(source); NpyFile.Write(copy, d, s); break; }
            case NpyDtype.Int64: { var (d, s) = NpyFile.ReadInt64(source); NpyFile.Write(copy, d, s); break; }
            default: { var (d, s) = NpyFile.ReadBytes(source); NpyFile.Write(copy, d, s); break; }
        }
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(copy));
    }

    [Fact]
    public void Every_writer_round_trips_odd_shapes()
    {
        using var temp = new TempFolder();
        var random = new Random(5);
        int[] shape = [3, 1, 7];
        float[] floats = [.. Enumerable.Range(0, 21).Select(_ => (float)random.NextDouble() - 0.5f)];
        floats[0] = BitConverter.Int32BitsToSingle(0x7FC01234); // a NaN with a payload
        floats[1] = -0f;
        double[] doubles = [.. Enumerable.Range(0, 21).Select(_ => random.NextDouble() * 1e300)];
        int[] ints = [.. Enumerable.Range(0, 21).Select(_ => random.Next(int.MinValue, int.MaxValue))];
        long[] longs = [.. Enumerable.Range(0, 21).Select(_ => random.NextInt64(long.MinValue, long.MaxValue))];
        byte[] bytes = [.. Enumerable.Range(0, 21).Select(_ => (byte)random.Next(256))];

        NpyFile.Write(temp.File("f.npy"), floats, shape);
        NpyFile.Write(temp.File("d.npy"), doubles, shape);
        NpyFile.Write(temp.File("i.npy"), ints, shape);
        NpyFile.Write(temp.File("l.npy"), longs, shape);
        NpyFile.Write(temp.File("b.npy"), bytes, shape);

        Assert.Equal(IoData.Bits(floats), IoData.Bits(NpyFile.ReadFloat32(temp.File("f.npy")).Data));
        Assert.Equal(IoData.Bits(doubles), IoData.Bits(NpyFile.ReadFloat64(temp.File("d.npy")).Data));
        Assert.Equal(ints, NpyFile.ReadInt32(temp.File("i.npy")).Data);
        Assert.Equal(longs, NpyFile.ReadInt64(temp.File("l.npy")).Data);
        Assert.Equal(bytes, NpyFile.ReadBytes(temp.File("b.npy")).Data);
        foreach (string file in new[] { "f.npy", "d.npy", "i.npy", "l.npy", "b.npy" })
            Assert.Equal(shape, NpyFile.ReadHeader(temp.File(file)).Shape);
    }

    [Fact]
    public void Arrays_larger_than_one_chunk_stream_through_whole()
    {
        // Several MB: more than one 4 MiB chunk both for the direct read and for the converting one.
        using var temp = new TempFolder();
        var random = new Random(11);
        int[] shape = [1531, 1009];
        var floats = new float[shape[0] * shape[1]];
        var mask = new byte[floats.Length];
        for (int i = 0; i < floats.Length; i++)
        {
            floats[i] = (float)random.NextDouble();
            mask[i] = (byte)(floats[i] > 0.7f ? 1 : 0);
        }
        NpyFile.Write(temp.File("probs.npy"), floats, shape);
        NpyFile.Write(temp.File("mask.npy"), mask, shape);

        Assert.Equal(IoData.Bits(floats), IoData.Bits(NpyFile.ReadFloat32(temp.File("probs.npy")).Data));
        Assert.Equal(floats.Select(f => (double)f), NpyFile.ReadFloat64(temp.File("probs.npy")).Data);
        Assert.Equal(mask.Select(m => (float)m).ToArray(), NpyFile.ReadFloat32(temp.File("mask.npy")).Data);
    }

    [Fact]
    public void A_file_without_the_magic_is_not_an_npy_file()
    {
        using var temp = new TempFolder();
        string path = temp.File("notes.npy");
        File.WriteAllText(path, "just some text, not an array");
        IoData.AssertFails<InvalidDataException>(() => NpyFile.ReadFloat32(path), path, "not an .npy file");
        IoData.AssertFails<InvalidDataException>(() => NpyFile.ReadFloat32(IoData.PathOf("png_gray8.png")), "png_gray8.png", "not an .npy file");
    }

    [Theory]
    [InlineData(7)]   // inside the version bytes
    [InlineData(9)]   // inside the header length
    [InlineData(40)]  // inside the header text
    [InlineData(127)] // one byte short of the header
    public void A_truncated_header_is_reported(int length)
    {
        using var temp = new TempFolder();
        string path = IoData.Truncated(temp, "npy_f4_3x4.npy", length);
        IoData.AssertFails<InvalidDataException>(() => NpyFile.ReadFloat32(path), path, "truncated", "header");
    }

    [Fact]
    public void Truncated_data_is_reported_with_both_sizes()
    {
        using var temp = new TempFolder();
        // 128 header bytes, then 3 × 4 float32 = 48 data bytes; cut 5 of them.
        string path = IoData.Truncated(temp, "npy_f4_3x4.npy", 128 + 43);
        IoData.AssertFails<InvalidDataException>(() => NpyFile.ReadFloat32(path), path, "holds 43 bytes of data, its header promises 48");
    }

    [Fact]
    public void Trailing_bytes_after_the_data_are_reported()
    {
        using var temp = new TempFolder();
        string path = temp.File("long.npy");
        File.WriteAllBytes(path, [.. IoData.Bytes("npy_u1_5x3.npy"), 0, 0]);
        IoData.AssertFails<InvalidDataException>(() => NpyFile.ReadBytes(path), path, "holds 17 bytes of data, its header promises 15");
    }

    [Fact]
    public void Fortran_order_is_refused_with_the_fix()
    {
        string path = IoData.PathOf("npy_f4_fortran.npy");
        IoData.AssertFails<NotSupportedException>(() => NpyFile.ReadFloat32(path), path,
            "is in Fortran order; save it with numpy.ascontiguousarray first");
    }

    [Fact]
    public void Big_endian_data_is_refused()
    {
        string path = IoData.PathOf("npy_f4_bigendian.npy");
        IoData.AssertFails<NotSupportedException>(() => NpyFile.ReadFloat32(path), path, "big-endian", "'>f4'");
    }

    [Theory]
    [InlineData("npy_c8.npy", "'<c8'")]
    [InlineData("npy_structured.npy", "structured dtype")]
    public void Unsupported_dtypes_are_named(string name, string phrase)
    {
        string path = IoData.PathOf(name);
        IoData.AssertFails<NotSupportedException>(() => NpyFile.ReadFloat64(path), path, phrase);
        IoData.AssertFails<NotSupportedException>(() => NpyFile.ReadHeader(path), path, phrase);
    }

    [Theory]
    [InlineData("npy_f4_3x4.npy", "<f4")]
    [InlineData("npy_i4_7.npy", "<i4")]
    public void Bytes_are_never_narrowed_from_wider_types(string name, string descr)
    {
        string path = IoData.PathOf(name);
        IoData.AssertFails<NotSupportedException>(() => NpyFile.ReadBytes(path), path, descr, "ReadBytes");
    }

    [Fact]
    public void Integers_are_never_read_from_floats_or_narrowed()
    {
        IoData.AssertFails<NotSupportedException>(() => NpyFile.ReadInt32(IoData.PathOf("npy_i8_2x2.npy")), "npy_i8_2x2.npy", "<i8", "ReadInt32");
        IoData.AssertFails<NotSupportedException>(() => NpyFile.ReadInt64(IoData.PathOf("npy_f2_2x5.npy")), "npy_f2_2x5.npy", "<f2", "ReadInt64");
    }

    [Fact]
    public void An_unknown_format_version_is_named()
    {
        using var temp = new TempFolder();
        string path = temp.File("future.npy");
        byte[] file = IoData.Bytes("npy_f4_3x4.npy");
        file[6] = 4;
        File.WriteAllBytes(path, file);
        IoData.AssertFails<NotSupportedException>(() => NpyFile.ReadFloat32(path), path, "version 4.0");
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False, }", "lacks 'shape'")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (3, x), }", "shape is (3, x)")]
    [InlineData("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (3,), }", "fortran_order is Maybe")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4", "unterminated")]
    public void A_malformed_header_is_reported(string dict, string phrase)
    {
        using var temp = new TempFolder();
        string path = temp.File("odd.npy");
        byte[] text = Encoding.Latin1.GetBytes(dict + "\n");
        File.WriteAllBytes(path, [0x93, .. "NUMPY"u8, 1, 0, (byte)text.Length, 0, .. text, .. new byte[48]]);
        IoData.AssertFails<InvalidDataException>(() => NpyFile.ReadFloat32(path), path, "malformed", phrase);
    }

    [Fact]
    public void A_missing_file_is_a_FileNotFoundException_naming_it()
    {
        using var temp = new TempFolder();
        string path = temp.File("absent.npy");
        IoData.AssertFails<FileNotFoundException>(() => NpyFile.ReadFloat32(path), path);
    }

    [Fact]
    public void Writing_a_shape_that_disagrees_with_the_data_names_the_argument_and_writes_nothing()
    {
        using var temp = new TempFolder();
        string path = temp.File("bad.npy");
        var e = IoData.AssertFails<ArgumentException>(() => NpyFile.Write(path, new float[6], [2, 4]), path,
            "(2, 4)", "holds 8 elements but data holds 6");
        Assert.Equal("shape", e.ParamName);
        e = IoData.AssertFails<ArgumentException>(() => NpyFile.Write(path, new byte[6], [-2, -3]), path, "negative");
        Assert.Equal("shape", e.ParamName);
        e = IoData.AssertFails<ArgumentException>(() => NpyFile.Write(path, new long[1], Enumerable.Repeat(1, 65).ToArray()), path, "65 dimensions");
        Assert.Equal("shape", e.ParamName);
        Assert.False(File.Exists(path));
    }
}
