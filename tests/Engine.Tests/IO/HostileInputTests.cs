using System.Globalization;
using System.Text.Json;
using Engine.Detection;
using Engine.IO;

namespace Engine.Tests.IO;

/// <summary>
/// The hostile files of tests/data/hostile (made by make_hostile.py): each is a clean error of the documented
/// type, naming the file, on one line without control characters — or, for the valid ones, reads as its twin.
/// </summary>
public class HostileInputTests
{
    internal static string PathOf(string folder, string name) => TestData.PathOf("hostile", folder, name);

    /// <summary>The message names the file and is one printable line.</summary>
    internal static void AssertClean(string message, string path)
    {
        Assert.Contains(Path.GetFileName(path), message);
        foreach (char c in message)
            Assert.False(char.IsControl(c), $"control character U+{(int)c:X4} in: {message}");
    }

    private static T Fails<T>(Action read, string path, params string[] phrases) where T : Exception
    {
        var e = Assert.Throws<T>(read);
        AssertClean(e.Message, path);
        foreach (string phrase in phrases)
            Assert.Contains(phrase, e.Message);
        return e;
    }

    [Theory]
    [InlineData("idat_flip_stale_crc.png", "CRC of its IDAT chunk")]
    [InlineData("idat_flip_crc_fixed.png", "its IDAT data")]
    [InlineData("adler_flip_crc_fixed.png", "Adler-32")]
    [InlineData("text_flip_stale_crc.png", "CRC of its tEXt chunk")]
    [InlineData("ihdr_crc_bad.png", "CRC of its IHDR chunk")]
    [InlineData("truncated_half.png", "is truncated")]
    [InlineData("truncated_before_iend.png", "before the IEND chunk")]
    [InlineData("truncated_in_ihdr.png", "inside the IHDR chunk")]
    [InlineData("declares_30000x30000_tiny_data.png", "30000 × 30000", "more than its")]
    [InlineData("declares_40000x40000.png", "at most 1,073,741,824 pixels")]
    [InlineData("garbage_chunk_type.png", @"type 'a\x0Cb\x1B'")]
    [InlineData("ihdr_bad_depth.png", "bit depth 3 for colour type 0")]
    [InlineData("ihdr_bad_color_type.png", "colour type 5")]
    [InlineData("ihdr_depth16_palette.png", "bit depth 16 for colour type 3")]
    [InlineData("ihdr_zero_width.png", "0 × 64 pixels")]
    [InlineData("ihdr_interlace_2.png", "interlace method 2")]
    [InlineData("zlib_extra_bytes.png", "ends 4 bytes before the end of its IDAT data")]
    [InlineData("zlib_no_adler.png", "no complete Adler-32 trailer")]
    [InlineData("inflates_too_much.png", "inflates to more than")]
    [InlineData("inflates_too_little.png", "cut short")]
    [InlineData("no_idat.png", "no IDAT chunk")]
    [InlineData("idat_not_consecutive.png", "not consecutive")]
    [InlineData("zlib_preset_dictionary.png", "valid zlib header (0x78 0xBB)")]
    [InlineData("chunk_length_huge.png", "declares 4294967280 bytes")]
    [InlineData("row_filter_5.png", "row 3 has filter type 5")]
    public void Corrupt_PNGs_are_InvalidDataExceptions_naming_the_file(string name, params string[] phrases)
    {
        string path = PathOf("png", name);
        Fails<InvalidDataException>(() => PngImage.Read(path), path, phrases);
    }

    [Theory]
    [InlineData("declares_30000x30000_tiny_data.png", 30000, 30000)]
    [InlineData("valid_interlaced.png", 80, 64)]
    public void The_size_is_read_from_IHDR_alone(string name, int width, int height)
    {
        Assert.Equal((width, height), PngImage.ReadSize(PathOf("png", name)));
    }

    [Theory]
    [InlineData("declares_40000x40000.png", "at most")]
    [InlineData("ihdr_crc_bad.png", "CRC of its IHDR chunk")]
    [InlineData("ihdr_bad_depth.png", "bit depth 3")]
    public void A_bad_header_fails_already_in_ReadSize(string name, string phrase)
    {
        string path = PathOf("png", name);
        Fails<InvalidDataException>(() => PngImage.ReadSize(path), path, phrase);
    }

    [Theory]
    [InlineData("valid_interlaced.png")]   // Adam7: stb de-interlaces, the check counts the seven passes' rows
    [InlineData("valid_split_idat.png")]   // IDAT in three chunks
    [InlineData("valid_idat_empty_chunk.png")] // StbImageSharp refused a zero-length IDAT; Engine's gray decoder reads it
    public void Valid_variants_read_as_the_plain_file(string name)
    {
        var plain = PngImage.Read(PathOf("png", "valid_gray8.png"));
        var image = PngImage.Read(PathOf("png", name));
        Assert.Equal((plain.Width, plain.Height), (image.Width, image.Height));
        Assert.Equal(plain.Pixels, image.Pixels);
    }

    [Theory]
    [InlineData("valid_gray8.png")]
    [InlineData("valid_split_idat.png")]
    [InlineData("valid_filters_gray8.png")] // rows filtered None, Sub, Up, Average, Paeth in turn
    [InlineData("valid_filters_gray1.png")]
    public void Plain_gray_files_decode_as_stb_decodes_them(string name)
    {
        // These take Engine's own row decoder; stb_image is the independent reference.
        byte[] file = File.ReadAllBytes(PathOf("png", name));
        var reference = StbImageSharp.ImageResult.FromMemory(file, StbImageSharp.ColorComponents.Grey);
        var image = PngImage.Read(PathOf("png", name));
        Assert.Equal((reference.Width, reference.Height), (image.Width, image.Height));
        Assert.Equal(reference.Data, image.Pixels);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 700)]
    [InlineData(1001, 2)]
    [InlineData(257, 129)]
    public void Random_gray_images_decode_as_stb_decodes_them(int width, int height)
    {
        using var temp = new TempFolder();
        string path = temp.File("random.png");
        var pixels = new byte[width * height];
        new Random(width + height).NextBytes(pixels);
        PngImage.Write(path, pixels, width, height);
        var reference = StbImageSharp.ImageResult.FromMemory(File.ReadAllBytes(path), StbImageSharp.ColorComponents.Grey);
        Assert.Equal(reference.Data, PngImage.Read(path).Pixels);
        Assert.Equal(pixels, reference.Data);
    }

    [Fact]
    public void A_30000_square_declared_over_tiny_data_is_refused_before_allocating()
    {
        string path = PathOf("png", "declares_30000x30000_tiny_data.png");
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<InvalidDataException>(() => PngImage.Read(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "allocated more than 16 MB before refusing");
    }

    [Fact]
    public void Every_byte_flip_of_a_valid_PNG_is_caught()
    {
        // With chunk CRCs and Adler-32 checked, no single flipped byte can go unnoticed: it either breaks a CRC,
        // the signature or (in the CRC fields themselves) the CRC comparison.
        using var temp = new TempFolder();
        byte[] original = File.ReadAllBytes(PathOf("png", "valid_gray8.png"));
        for (int i = 0; i < original.Length; i++)
        {
            byte[] file = (byte[])original.Clone();
            file[i] ^= 0x01;
            string path = temp.File($"flip{i}.png");
            File.WriteAllBytes(path, file);
            Fails<InvalidDataException>(() => PngImage.Read(path), path);
        }
    }

    [Fact]
    public void A_flipped_IDAT_byte_with_its_CRC_fixed_up_is_caught_or_harmless_at_every_position()
    {
        // Only inflate, the byte count and Adler-32 can see these: the CRC is made valid again. A flip zlib does
        // not read (a padding bit after the last deflate block) leaves the same pixels; every other flip fails.
        using var temp = new TempFolder();
        byte[] original = File.ReadAllBytes(PathOf("png", "valid_gray8.png"));
        var pixels = PngImage.Read(PathOf("png", "valid_gray8.png")).Pixels;
        int harmless = 0;
        int at = 8;
        while (!original.AsSpan(at + 4, 4).SequenceEqual("IDAT"u8))
            at += 12 + (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(original.AsSpan(at));
        int length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(original.AsSpan(at));
        for (int i = 0; i < length; i++)
        {
            byte[] file = (byte[])original.Clone();
            file[at + 8 + i] ^= 0x04;
            PngImageTests.FixCrc(file, at);
            string path = temp.File($"idat{i}.png");
            File.WriteAllBytes(path, file);
            try
            {
                Assert.Equal(pixels, PngImage.Read(path).Pixels);
                harmless++;
            }
            catch (InvalidDataException e)
            {
                AssertClean(e.Message, path);
                Assert.Contains("corrupt PNG", e.Message);
            }
        }
        Assert.True(harmless <= 1, $"{harmless} flips went unnoticed");
    }

    [Theory]
    [InlineData("dup_shape.npy", "gives 'shape' twice", "(2, 3), then (3, 2)")]
    [InlineData("dup_descr.npy", "gives 'descr' twice")]
    [InlineData("extra_key.npy", "the key 'extra'")]
    [InlineData("missing_key.npy", "lacks 'fortran_order'")]
    [InlineData("shape_larger_than_data.npy", "holds 24 bytes of data, its header promises 36")]
    [InlineData("huge_shape.npy", "its header promises 4000000000000000")]
    [InlineData("shape_over_int64.npy", "more elements than any file can hold")]
    [InlineData("descr_escape.npy", "backslash escape")]
    [InlineData("descr_int.npy", "descr is 4, not a string")]
    [InlineData("fortran_zero.npy", "fortran_order is 0; numpy requires True or False")]
    [InlineData("fortran_string.npy", "fortran_order is 'False'")]
    [InlineData("fortran_none.npy", "fortran_order is None")]
    [InlineData("fortran_lowercase.npy", "fortran_order is false")]
    [InlineData("shape_list.npy", "shape is [2, 3]; numpy requires a tuple")]
    [InlineData("shape_int.npy", "shape is (6); numpy requires a tuple")]
    [InlineData("shape_negative.npy", "shape is (-2, -3)")]
    [InlineData("shape_float.npy", "shape is (2.0, 3)")]
    [InlineData("shape_bool.npy", "shape is (True, 6)")]
    [InlineData("shape_leading_zero.npy", "shape is (06,)")]
    [InlineData("text_after_dict.npy", "'x ", "follows the dict")]
    [InlineData("not_a_dict.npy", "not a Python dict literal")]
    [InlineData("nul_padding.npy", @"'\x00\x00")]
    [InlineData("unterminated.npy", "unterminated")]
    [InlineData("header_length_4gib.npy", "claims a 4294967295-byte .npy header")]
    [InlineData("header_over_10000.npy", "over 10000 characters")]
    [InlineData("data_longer_than_shape.npy", "holds 24 bytes of data, its header promises 20")]
    public void Corrupt_npy_files_are_InvalidDataExceptions_naming_the_file(string name, params string[] phrases)
    {
        string path = PathOf("npy", name);
        Fails<InvalidDataException>(() => NpyFile.ReadFloat32(path), path, phrases);
    }

    [Theory]
    [InlineData("bad_descr.npy", "dtype '<x9'")]
    [InlineData("descr_control_bytes.npy", @"dtype '<f\x0C4\x1B'")]
    public void Unknown_dtypes_are_NotSupportedExceptions_with_escaped_text(string name, string phrase)
    {
        string path = PathOf("npy", name);
        Fails<NotSupportedException>(() => NpyFile.ReadFloat32(path), path, phrase);
    }

    [Theory]
    [InlineData("version_3_255.npy", "format version 3.255; Engine reads 1.0, 2.0 and 3.0")]
    [InlineData("version_1_1.npy", "format version 1.1; Engine reads 1.0, 2.0 and 3.0")]
    public void Minor_versions_numpy_refuses_are_NotSupportedExceptions(string name, string phrase)
    {
        string path = PathOf("npy", name);
        Fails<NotSupportedException>(() => NpyFile.ReadFloat32(path), path, phrase);
    }

    public static TheoryData<string> NpyFiles() => [.. TestData.Json("hostile", "npy", "expected.json").EnumerateObject().Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(NpyFiles))]
    public void No_npy_file_is_read_differently_from_numpy(string name)
    {
        // numpy's verdict (recorded by make_hostile.py with np.load): what numpy refuses, Engine refuses; what numpy
        // reads, Engine reads identically or refuses with a message — never another shape or other values.
        var numpy = TestData.Json("hostile", "npy", "expected.json").GetProperty(name);
        string path = PathOf("npy", name);
        NpyArray<float> array;
        try
        {
            array = NpyFile.ReadFloat32(path);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException)
        {
            AssertClean(e.Message, path);
            Assert.False(name.StartsWith("valid_", StringComparison.Ordinal), $"{name} is valid for numpy and must read: {e.Message}");
            return;
        }
        Assert.Equal("ok", numpy.GetProperty("numpy").GetString());
        Assert.Equal(numpy.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()), array.Shape);
        Assert.Equal(numpy.GetProperty("values").EnumerateArray().Select(v => (float)v.GetDouble()), array.Data);
    }

    [Theory]
    [InlineData("truncated.fvecs", "truncated after 2 vectors")]
    [InlineData("too_short.fvecs", "not even one vector's dimension")]
    [InlineData("first_vector_truncated.fvecs", "needs 404 bytes, the file has 204")]
    [InlineData("inconsistent_dims.fvecs", "vector 2 has dimension 4, but the first has 8")]
    [InlineData("inconsistent_same_length.fvecs", "vector 1 has dimension 9, but the first has 8")]
    [InlineData("dim_int_max.fvecs", "dimension is 2147483647")]
    [InlineData("dim_zero.fvecs", "dimension is 0")]
    [InlineData("dim_negative.fvecs", "dimension is -5")]
    public void Corrupt_fvecs_files_are_InvalidDataExceptions_naming_the_file(string name, string phrase)
    {
        string path = PathOf("fvecs", name);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Fails<InvalidDataException>(() => EmbeddingFile.Read(path), path, phrase);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void A_valid_fvecs_file_reads()
    {
        var matrix = EmbeddingFile.Read(PathOf("fvecs", "valid_3x8.fvecs"));
        Assert.Equal((3, 8), (matrix.Rows, matrix.Dimension));
        Assert.Equal(2.5f, matrix.Data[2 * 8 + 5]);
    }

    [Theory]
    [InlineData("score_1e308.json", "image 0, model 0, score 0 is 1E+308; Engine accepts magnitudes up to 1e15")]
    [InlineData("nan_literal.json", "malformed JSON near image 0")]
    [InlineData("infinity_literal.json", "malformed JSON near image 0")]
    [InlineData("nan_string.json", "image 0, model 0, score 0 is NaN; values must be finite")]
    [InlineData("infinity_coordinate_string.json", "image 0, model 0, box 0, x2 is Infinity")]
    [InlineData("number_beyond_double.json", "score 0 is 1e400, beyond the range of a double")]
    [InlineData("coordinate_1e200.json", "box 0, x2 is 1E+200")]
    [InlineData("weight_1e300.json", "image 0, weight 0 is 1E+300")]
    [InlineData("weight_zero.json", "image 0, weight 0 is 0; weights must be positive")]
    [InlineData("score_string.json", "score 0 is \"high\", not a number")]
    [InlineData("boxes_object.json", "has no \"boxes\" array")]
    [InlineData("mismatched_lengths.json", "1 boxes, 2 scores and 1 labels")]
    [InlineData("box_three_values.json", "box 0: expected [x1, y1, x2, y2]")]
    [InlineData("label_fraction.json", "label 0 is 1.5")]
    [InlineData("form_feed.json", "malformed JSON")]
    [InlineData("not_an_object.json", "image 0 is not a JSON object")]
    [InlineData("invalid_utf8_unread_key.json", "is not valid UTF-8: byte 0xAD at offset 73 (line 1)")]
    public void Corrupt_box_files_are_InvalidDataExceptions_naming_the_file_and_image(string name, string phrase)
    {
        string path = PathOf("json", name);
        Fails<InvalidDataException>(() => DetectionJson.Read(File.ReadAllBytes(path), path, out _), path, phrase);
    }

    [Theory]
    [InlineData("coords_out_of_order.json")]
    [InlineData("coords_out_of_range.json")]
    public void Boxes_ensemble_boxes_fixes_still_parse(string name)
    {
        var images = DetectionJson.Read(File.ReadAllBytes(PathOf("json", name)), name, out _);
        Assert.Single(images);
    }

    [Fact]
    public void The_largest_accepted_values_fuse_to_finite_output()
    {
        // MaxMagnitude scores and weights on 20,000 identical boxes: every sum fusion forms stays finite.
        const int boxes = 10_000;
        double big = DetectionJson.MaxMagnitude;
        var model = new ModelPredictions(
            Enumerable.Range(0, boxes).SelectMany(_ => new[] { 0.1, 0.1, 0.4, 0.4 }).ToArray(),
            Enumerable.Repeat(big, boxes).ToArray(), new int[boxes]);
        var batch = new DetectionBatch([new ImagePredictions([model, model], [big, big])]);
        foreach (var conf in Enum.GetValues<WbfConfType>())
        {
            var result = WeightedBoxesFusion.Fuse(batch, 0.55, 0.0, conf);
            using var output = new MemoryStream();
            DetectionJson.Write(output, result, asArray: true);
            Assert.All(result.Scores, s => Assert.True(double.IsFinite(s)));
        }
    }
}
