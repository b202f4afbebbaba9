using System.Globalization;
using System.Text.Json;

namespace Engine.Tests.IO;

/// <summary>The reference files of tests/data/io (made by make_io_data.py) and what they must read as.</summary>
internal static class IoData
{
    private static readonly JsonElement Expected = TestData.Json("io", "expected.json");

    public static string PathOf(string name) => TestData.PathOf("io", name);

    public static byte[] Bytes(string name) => File.ReadAllBytes(PathOf(name));

    public static int[] Shape(string name) =>
        Expected.GetProperty(name).GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray();

    public static int Width(string name) => Expected.GetProperty(name).GetProperty("width").GetInt32();

    public static int Height(string name) => Expected.GetProperty(name).GetProperty("height").GetInt32();

    /// <summary>The values as float64; non-finite ones are stored as the strings "NaN", "Infinity", "-Infinity".</summary>
    public static double[] Values(string name) =>
        Expected.GetProperty(name).GetProperty("values").EnumerateArray()
            .Select(v => v.ValueKind == JsonValueKind.String ? double.Parse(v.GetString()!, CultureInfo.InvariantCulture) : v.GetDouble())
            .ToArray();

    /// <summary>Integer values exactly (int64 beyond 2^53 would not survive <see cref="Values"/>).</summary>
    public static long[] Integers(string name) =>
        Expected.GetProperty(name).GetProperty("values").EnumerateArray().Select(v => v.GetInt64()).ToArray();

    /// <summary>
    /// Equal bit for bit, so −0 differs from +0, except that any NaN equals any NaN: .NET's double.Parse("NaN") has
    /// the sign bit set, numpy's NaN does not.
    /// </summary>
    public static void AssertSameBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i])
                || (float.IsNaN(expected[i]) && float.IsNaN(actual[i])),
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }

    /// <inheritdoc cref="AssertSameBits(float[], float[], string)"/>
    public static void AssertSameBits(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(actual[i])
                || (double.IsNaN(expected[i]) && double.IsNaN(actual[i])),
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }

    /// <summary>The raw bits of each float, to compare NaN payloads and signed zeros exactly.</summary>
    public static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    /// <inheritdoc cref="Bits(float[])"/>
    public static long[] Bits(double[] values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();

    /// <summary>The call throws <typeparamref name="T"/> whose message names the file and states each phrase.</summary>
    public static T AssertFails<T>(Action call, string path, params string[] phrases) where T : Exception
    {
        var e = Assert.Throws<T>(call);
        Assert.Contains(Path.GetFileName(path), e.Message);
        foreach (string phrase in phrases)
            Assert.Contains(phrase, e.Message);
        return e;
    }

    /// <summary>A copy of a reference file cut to its first <paramref name="length"/> bytes.</summary>
    public static string Truncated(TempFolder temp, string name, int length)
    {
        string path = temp.File($"cut{length}_{name}");
        File.WriteAllBytes(path, Bytes(name)[..length]);
        return path;
    }
}
