using System.Text.Json;
using Engine.Compute;
using Engine.IO;
using Engine.Segmentation;
using Engine.Tests.Compute;

namespace Engine.Tests.Segmentation;

/// <summary>One case of tests/data/quantile/cases.json: values, optional mask, and numpy's answers.</summary>
public sealed record QuantileCase(string Name, string Dtype, double[] Qs, bool HasMask, bool IgnoreNaN)
{
    public static IEnumerable<QuantileCase> All()
    {
        foreach (var c in TestData.Json("quantile", "cases.json").GetProperty("cases").EnumerateArray())
        {
            yield return new QuantileCase(c.GetProperty("name").GetString()!, c.GetProperty("dtype").GetString()!,
                c.GetProperty("qs").EnumerateArray().Select(q => q.GetDouble()).ToArray(),
                c.GetProperty("mask").GetBoolean(), c.GetProperty("ignore_nan").GetBoolean());
        }
    }

    public static TheoryData<string> Names(int maxLength = int.MaxValue)
    {
        var names = new TheoryData<string>();
        foreach (var c in All().Where(c => c.Length <= maxLength))
            names.Add(c.Name);
        return names;
    }

    public static QuantileCase Named(string name) => All().Single(c => c.Name == name);

    public int Length => Dtype == "float32" ? Floats.Length : Doubles.Length;

    public float[] Floats => Dtype == "float32" ? NpyFile.ReadFloat32(File("values")).Data : [];

    public double[] Doubles => Dtype == "float64" ? NpyFile.ReadFloat64(File("values")).Data : [];

    public byte[] Mask => HasMask ? NpyFile.ReadBytes(File("mask")).Data : [];

    public double[] Expected => NpyFile.ReadFloat64(File("expected")).Data;

    public double[] Run(ComputeContext? compute) => Dtype == "float32"
        ? Quantile.Compute(Floats, Qs, Mask, IgnoreNaN, compute)
        : Quantile.Compute(Doubles, Qs, Mask, IgnoreNaN, compute);

    private string File(string part) => TestData.PathOf("quantile", $"{Name}.{part}.npy");
}
