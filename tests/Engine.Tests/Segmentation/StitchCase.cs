using System.Text.Json;
using Engine.Compute;
using Engine.IO;
using Engine.Segmentation;

namespace Engine.Tests.Segmentation;

/// <summary>One case of tests/data/stitching/cases.json: windows, origins, options and the Python loop's map.</summary>
public sealed record StitchCase(string Name, int Height, int Width, int TileHeight, int TileWidth, StitchOptions Options,
    bool HasMask, bool HasWeights)
{
    public static IEnumerable<StitchCase> All() =>
        TestData.Json("stitching", "cases.json").GetProperty("cases").EnumerateArray().Select(Parse);

    public static TheoryData<string> Names(Func<StitchCase, bool>? where = null)
    {
        var names = new TheoryData<string>();
        foreach (var c in All().Where(where ?? (_ => true)))
            names.Add(c.Name);
        return names;
    }

    public static StitchCase Named(string name) => All().Single(c => c.Name == name);

    /// <summary>The names in one of cases.json's other lists ("upsampling", "tta").</summary>
    public static TheoryData<string> ListNames(string list)
    {
        var names = new TheoryData<string>();
        foreach (var c in TestData.Json("stitching", "cases.json").GetProperty(list).EnumerateArray())
            names.Add(c.GetProperty("name").GetString()!);
        return names;
    }

    /// <summary>One entry of such a list.</summary>
    public static JsonElement ListEntry(string list, string name) =>
        TestData.Json("stitching", "cases.json").GetProperty(list).EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);

    private static StitchCase Parse(JsonElement c)
    {
        var fill = c.GetProperty("fill");
        var options = new StitchOptions
        {
            Factor = c.GetProperty("factor").GetInt32(),
            Upsampling = c.GetProperty("upsampling").GetString() == "nearest" ? StitchUpsampling.Nearest : StitchUpsampling.Bilinear,
            AlignCorners = c.GetProperty("align_corners").GetBoolean(),
            UpsampleMode = c.GetProperty("upsample_mode").GetString() == "fast" ? StitchUpsampleMode.Fast : StitchUpsampleMode.PerTile,
            Weighting = c.GetProperty("weights").GetString() == "gaussian" ? StitchWeighting.Gaussian : StitchWeighting.Constant,
            Inner = c.GetProperty("inner").ValueKind == JsonValueKind.Null ? null : c.GetProperty("inner").GetInt32(),
            KeepEdges = c.GetProperty("keep_edges").GetBoolean(),
            Activation = c.GetProperty("activation").GetString() switch
            {
                "before" => StitchActivation.SigmoidBeforeUpsample,
                "after" => StitchActivation.SigmoidAfterStitch,
                _ => StitchActivation.None,
            },
            Uncovered = fill.ValueKind == JsonValueKind.String ? float.NaN : fill.GetSingle(),
        };
        return new StitchCase(c.GetProperty("name").GetString()!, c.GetProperty("height").GetInt32(), c.GetProperty("width").GetInt32(),
            c.GetProperty("tile_height").GetInt32(), c.GetProperty("tile_width").GetInt32(), options,
            c.GetProperty("mask").GetBoolean(), c.GetProperty("weights").GetString() == "gaussian");
    }

    /// <summary>The sigmoid is PyTorch's vectorized float32 exp in the reference and .NET's exp here: within an ulp, not bit for bit.</summary>
    public bool Exact => Options.Activation == StitchActivation.None;

    public float[] Predictions => NpyFile.ReadFloat32(File("preds")).Data;

    public int[] Origins => NpyFile.ReadInt32(File("coords")).Data;

    public byte[] Mask => HasMask ? NpyFile.ReadBytes(File("mask")).Data : [];

    /// <summary>The importance map the reference used (MONAI's, computed by torch).</summary>
    public float[] ReferenceWeights => NpyFile.ReadFloat32(File("weights")).Data;

    public float[] Expected => NpyFile.ReadFloat32(File("expected")).Data;

    /// <summary>Options with the reference's own Gaussian map, so the comparison isolates the stitching.</summary>
    public StitchOptions ExactOptions => HasWeights ? Options with { Weights = ReferenceWeights } : Options;

    public float[] Run(ComputeContext? compute = null, int batch = int.MaxValue)
    {
        var stitcher = new SlidingWindowStitcher(Height, Width, TileHeight, TileWidth, ExactOptions, compute);
        var predictions = Predictions;
        var origins = Origins;
        int n = origins.Length / 2, tile = TileHeight * TileWidth;
        for (int k = 0; k < n; k += batch)
        {
            int count = Math.Min(batch, n - k);
            stitcher.Add(predictions.AsSpan(k * tile, count * tile), origins.AsSpan(2 * k, 2 * count));
        }
        return stitcher.Finish(Mask);
    }

    private string File(string part) => TestData.PathOf("stitching", $"{Name}.{part}.npy");
}
