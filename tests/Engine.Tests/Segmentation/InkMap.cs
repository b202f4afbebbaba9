using System.Text.Json;
using Engine.IO;
using Engine.Segmentation;

namespace Engine.Tests.Segmentation;

/// <summary>The synthetic ink map of tests/data/segmentation and what numpy and scikit-learn made of it.</summary>
internal static class InkMap
{
    public static float[] Probabilities { get; } = NpyFile.ReadFloat32(File("probs")).Data;

    public static byte[] Truth { get; } = NpyFile.ReadBytes(File("truth")).Data;

    public static byte[] Mask { get; } = NpyFile.ReadBytes(File("mask")).Data;

    /// <summary>numpy's ink mask at q = 0.93 inside the mask.</summary>
    public static byte[] Ink93 { get; } = NpyFile.ReadBytes(File("ink93")).Data;

    public static JsonElement Sweep { get; } = TestData.Json("segmentation", "sweep.json");

    public static double[] Candidates => Sweep.GetProperty("candidates").EnumerateArray().Select(c => c.GetDouble()).ToArray();

    /// <summary>scikit-learn's scores equal ours bit for bit, and the counts exactly.</summary>
    public static void AssertScores(JsonElement expected, BinaryScores actual, string what)
    {
        Assert.Equal(expected.GetProperty("tp").GetInt64(), actual.TruePositives);
        Assert.Equal(expected.GetProperty("fp").GetInt64(), actual.FalsePositives);
        Assert.Equal(expected.GetProperty("fn").GetInt64(), actual.FalseNegatives);
        Assert.Equal(expected.GetProperty("tn").GetInt64(), actual.TrueNegatives);
        foreach (var (name, value) in new[] { ("precision", actual.Precision), ("recall", actual.Recall), ("fbeta", actual.FBeta), ("dice", actual.Dice) })
        {
            double want = expected.GetProperty(name).GetDouble();
            Assert.True(BitConverter.DoubleToInt64Bits(want) == BitConverter.DoubleToInt64Bits(value),
                $"{what} {name}: scikit-learn gives {want:R}, Engine gives {value:R}");
        }
    }

    private static string File(string part) => TestData.PathOf("segmentation", $"map.{part}.npy");
}
