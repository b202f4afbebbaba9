using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Engine.IO;
using Engine.Segmentation;

namespace Engine.Cli.Commands;

/// <summary><c>engine stitch</c>: window predictions from anywhere (e.g. a Python model) into a full-resolution map (<see cref="SlidingWindowStitcher"/>).</summary>
internal static class StitchCommand
{
    /// <summary>Windows per <see cref="SlidingWindowStitcher.Add"/> call: enough rows for every core, a small slice of the input.</summary>
    private const int Batch = 4096;

    public static Command Create()
    {
        var tiles = CommandLine.FileOption("--tiles", "Window predictions: .npy float32 (N, h, w) or (N, 1, h, w), already activated (probabilities), or logits with --activation.", required: true);
        var coords = CommandLine.FileOption("--coords", "Window origins: .npy int32 or int64 (N, 2), each window's (y, x) top-left corner in full-resolution pixels.", required: true);
        var size = new Option<string>("--size") { Description = "The map's size H,W in full-resolution pixels.", Required = true };
        var factor = new Option<int>("--factor") { Description = "Integer upsampling factor of the predictions (1 = full size; 32 for 8 × 8 predictions of 256 × 256 windows).", DefaultValueFactory = _ => 1 };
        var upsample = new Option<string>("--upsample") { Description = "per-tile (upsample each window, then average: the winning solutions' loop, exact) or fast (average at low resolution, upsample once).", DefaultValueFactory = _ => "per-tile" };
        var upsampling = new Option<string>("--upsampling") { Description = "bilinear or nearest (PyTorch's F.interpolate modes).", DefaultValueFactory = _ => "bilinear" };
        var alignCorners = new Option<string>("--align-corners") { Description = "PyTorch's align_corners for bilinear: true (the 2nd place's ×32 upsample) or false (PyTorch's default).", DefaultValueFactory = _ => "true" };
        var weights = new Option<string>("--weights") { Description = "constant (plain mean) or gaussian (MONAI's importance map, sigma_scale 0.125).", DefaultValueFactory = _ => "constant" };
        var sigmaScale = new Option<double>("--sigma-scale") { Description = "MONAI's sigma_scale for --weights gaussian.", DefaultValueFactory = _ => 0.125 };
        var inner = new Option<int?>("--inner") { Description = "Only the centre inner × inner block of each full-resolution window counts (e.g. 192 of 256)." };
        var keepEdges = new Option<bool>("--keep-edges") { Description = "With --inner: windows touching the map's edge keep their full extent there, so no border band stays uncovered." };
        var activation = new Option<string>("--activation") { Description = "none (predictions are probabilities), sigmoid-before (sigmoid before upsampling) or sigmoid-after (on the averaged logits).", DefaultValueFactory = _ => "none" };
        var uncovered = new Option<string>("--uncovered") { Description = "Value where no window landed: 0 or nan.", DefaultValueFactory = _ => "0" };
        var mask = CommandLine.FileOption("--mask", "Fragment mask of the map's size (.png, .tif, .npy; non-zero = inside): pixels outside are 0.");
        var output = CommandLine.FileOption("--out", "The probability map: .tif/.tiff or .npy (float32).", required: true);
        var png = CommandLine.FileOption("--png", "Also write an 8-bit gray PNG preview of the map.");
        var overlay = CommandLine.FileOption("--overlay", "Also write an RGB PNG: pixels above --overlay-threshold in green over --background (or the map itself) in gray.");
        var background = CommandLine.FileOption("--background", "Background of --overlay, the map's size: the infrared photo or a slice (.png, .tif, .npy; PNG values ÷ 255).");
        var overlayThreshold = new Option<double>("--overlay-threshold") { Description = "Probability above which --overlay paints a pixel as ink.", DefaultValueFactory = _ => 0.5 };
        var budget = new Option<int?>("--budget-mb") { Description = "Stitch in row bands within this much memory (MiB) and stream them to the .npy --out: for maps larger than memory; windows must come in raster order (non-decreasing y); per-tile mode, no --png/--overlay." };
        var json = CommandLine.JsonOption();
        var backend = CommandLine.BackendOption();
        var command = new Command("stitch", "Stitch overlapping window predictions into a full-resolution map: Σ w·p / Σ w, with upsampling, weights, inner trimming and a mask, equal bit for bit to the numpy/torch loop.")
        {
            tiles, coords, size, factor, upsample, upsampling, alignCorners, weights, sigmaScale, inner, keepEdges, activation,
            uncovered, mask, output, png, overlay, background, overlayThreshold, budget, json, backend,
        };
        command.SetAction(parse => CommandLine.Execute(parse, stdout =>
        {
            var (height, width) = ParseSize(parse.GetValue(size)!);
            var options = new StitchOptions
            {
                Factor = parse.GetValue(factor) is var f && f >= 1 ? f : throw new ArgumentException($"--factor {f} must be a positive integer."),
                UpsampleMode = Choose(parse.GetValue(upsample)!, "--upsample", ("per-tile", StitchUpsampleMode.PerTile), ("fast", StitchUpsampleMode.Fast)),
                Upsampling = Choose(parse.GetValue(upsampling)!, "--upsampling", ("bilinear", StitchUpsampling.Bilinear), ("nearest", StitchUpsampling.Nearest)),
                AlignCorners = Choose(parse.GetValue(alignCorners)!, "--align-corners", ("true", true), ("false", false)),
                Weighting = Choose(parse.GetValue(weights)!, "--weights", ("constant", StitchWeighting.Constant), ("gaussian", StitchWeighting.Gaussian)),
                SigmaScale = parse.GetValue(sigmaScale),
                Inner = parse.GetValue(inner),
                KeepEdges = parse.GetValue(keepEdges),
                Activation = Choose(parse.GetValue(activation)!, "--activation", ("none", StitchActivation.None),
                    ("sigmoid-before", StitchActivation.SigmoidBeforeUpsample), ("sigmoid-after", StitchActivation.SigmoidAfterStitch)),
                Uncovered = Choose(parse.GetValue(uncovered)!, "--uncovered", ("0", 0f), ("nan", float.NaN)),
            };
            if (options.KeepEdges && options.Inner is null)
                throw new ArgumentException("--keep-edges needs --inner.");
            string outPath = parse.GetValue(output)!.FullName;
            string outExtension = Path.GetExtension(outPath).ToLowerInvariant();
            if (outExtension is not (".npy" or ".tif" or ".tiff"))
                throw new NotSupportedException($"--out {outPath}: the map is written as .tif, .tiff or .npy (float32); for a PNG preview use --png.");

            var clock = Stopwatch.StartNew();
            string tilesPath = parse.GetValue(tiles)!.FullName, coordsPath = parse.GetValue(coords)!.FullName;
            if (parse.GetValue(mask) is { } declared && MapFile.ReadSize(declared.FullName) is { } maskSize && maskSize != (width, height))
                throw new ArgumentException($"{declared.FullName} is {maskSize.Height} × {maskSize.Width} (height × width) but --size is {height},{width}; they must match.");
            var predictions = NpyFile.ReadFloat32(tilesPath);
            var (n, tileHeight, tileWidth) = TileShape(predictions.Shape, tilesPath);
            var origins = ReadOrigins(coordsPath, n, tilesPath);
            GrayImage<byte>? fragment = null;
            if (parse.GetValue(mask) is { } maskFile)
            {
                fragment = MapFile.ReadMask(maskFile.FullName);
                if (fragment.Height != height || fragment.Width != width)
                    throw new ArgumentException($"{maskFile.FullName} is {fragment.Height} × {fragment.Width} (height × width) but --size is {height},{width}; they must match.");
            }
            double readSeconds = clock.Elapsed.TotalSeconds;

            using var compute = CommandLine.CreateCompute(parse.GetValue(backend)!);
            clock.Restart();
            int? budgetMiB = parse.GetValue(budget);
            if (budgetMiB is not null)
            {
                if (budgetMiB <= 0)
                    throw new ArgumentException($"--budget-mb {budgetMiB} must be positive.");
                if (outExtension != ".npy" || parse.GetValue(png) is not null || parse.GetValue(overlay) is not null)
                    throw new ArgumentException("--budget-mb streams the map to a .npy --out band by band; it cannot write .tif, --png or --overlay, which need the whole map.");
                var fragmentPixels = fragment?.Pixels;
                using var banded = new BandedSlidingWindowStitcher(outPath, height, width, tileHeight, tileWidth, (long)budgetMiB.Value << 20, options,
                    fragmentPixels is null ? null : (first, rows) => fragmentPixels.AsSpan(first * width, rows.Length).CopyTo(rows), compute);
                AddAll(parse, predictions.Data, origins, n, tileHeight * tileWidth, banded.Add, tilesPath, tileWidth);
                banded.Complete();
            }
            GrayImage<float>? map = null;
            if (budgetMiB is null)
            {
                var stitcher = new SlidingWindowStitcher(height, width, tileHeight, tileWidth, options, compute);
                AddAll(parse, predictions.Data, origins, n, tileHeight * tileWidth, stitcher.Add, tilesPath, tileWidth);
                map = new GrayImage<float>(width, height, stitcher.Finish(fragment?.Pixels));
            }
            double stitchSeconds = clock.Elapsed.TotalSeconds;

            clock.Restart();
            if (map is not null)
                MapFile.WriteProbabilities(outPath, map);
            string? pngPath = parse.GetValue(png)?.FullName;
            if (pngPath is not null && map is not null)
                PngImage.WriteProbabilityMap(pngPath, map.Pixels, width, height);
            string? overlayPath = parse.GetValue(overlay)?.FullName;
            if (overlayPath is not null && map is not null)
                WriteOverlay(overlayPath, map, parse.GetValue(background)?.FullName, parse.GetValue(overlayThreshold));
            double writeSeconds = clock.Elapsed.TotalSeconds;

            if (parse.GetValue(json))
            {
                CommandLine.WriteJson(stdout, new
                {
                    tiles = tilesPath,
                    coords = coordsPath,
                    windows = n,
                    tileHeight,
                    tileWidth,
                    height,
                    width,
                    factor = options.Factor,
                    upsample = options.UpsampleMode == StitchUpsampleMode.Fast ? "fast" : "per-tile",
                    budgetMiB,
                    output = outPath,
                    png = pngPath,
                    overlay = overlayPath,
                    backend = compute.Backend.ToString(),
                    seconds = new { read = readSeconds, stitch = stitchSeconds, write = writeSeconds },
                });
            }
            else
            {
                stdout.WriteLine($"stitched {CommandLine.Count(n)} windows of {tileHeight} × {tileWidth} (×{options.Factor}) into {height} × {width} -> {outPath}");
                stdout.WriteLine($"time: read {readSeconds * 1000:F1} ms, stitch {stitchSeconds * 1000:F1} ms, write {writeSeconds * 1000:F1} ms ({compute.Description})");
            }
            return 0;
        }));
        return command;
    }

    private delegate void AddBatch(ReadOnlySpan<float> predictions, ReadOnlySpan<int> origins);

    /// <summary>Feeds every window in batches, advancing the progress bar.</summary>
    private static void AddAll(ParseResult parse, float[] predictions, int[] origins, int n, int tileLength, AddBatch add,
        string tilesPath, int tileWidth)
    {
        using var bar = ProgressBar.Start(parse, "Stitching", n);
        for (int k = 0; k < n; k += Batch)
        {
            int count = Math.Min(Batch, n - k);
            var batch = predictions.AsSpan(k * tileLength, count * tileLength);
            try
            {
                add(batch, origins.AsSpan(2 * k, 2 * count));
            }
            catch (ArgumentException e) when (e.ParamName == "predictions" && FirstNaN(batch) is int nan and >= 0)
            {
                // The stitcher counts windows within the batch and knows no file: name both as the user sees them.
                throw new InvalidDataException(
                    $"{tilesPath}: window {k + nan / tileLength} is NaN at row {nan % tileLength / tileWidth}, column {nan % tileWidth}; the model produced a non-finite value.", e);
            }
            bar.Advance(count);
        }
    }

    private static int FirstNaN(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (float.IsNaN(values[i]))
                return i;
        }
        return -1;
    }

    private static (int Height, int Width) ParseSize(string text)
    {
        var parts = text.Split(',');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int h)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int w)
            && h > 0 && w > 0)
            return (h, w);
        throw new ArgumentException($"--size {text} is not H,W with two positive integers, e.g. 8192,8192.");
    }

    private static T Choose<T>(string text, string option, params (string Name, T Value)[] choices)
    {
        foreach (var (name, value) in choices)
        {
            if (string.Equals(text, name, StringComparison.OrdinalIgnoreCase))
                return value;
        }
        throw new ArgumentException($"{option} {text} is not one of {string.Join(", ", choices.Select(c => c.Name))}.");
    }

    private static (int N, int Height, int Width) TileShape(int[] shape, string path) => shape switch
    {
        [var n, var h, var w] => (n, h, w),
        [var n, 1, var h, var w] => (n, h, w),
        _ => throw new ArgumentException($"{path} has shape ({string.Join(", ", shape)}); window predictions must be (N, h, w) or (N, 1, h, w)."),
    };

    private static int[] ReadOrigins(string path, int n, string tilesPath)
    {
        var coords = NpyFile.ReadInt64(path);
        if (coords.Shape is not [var rows, 2])
            throw new ArgumentException($"{path} has shape ({string.Join(", ", coords.Shape)}); window origins must be (N, 2) of (y, x).");
        if (rows != n)
            throw new ArgumentException($"{path} holds {rows} origins but {tilesPath} holds {n} windows; they must match.");
        var origins = new int[coords.Data.Length];
        for (int i = 0; i < origins.Length; i++)
        {
            long v = coords.Data[i];
            origins[i] = v is >= int.MinValue and <= int.MaxValue ? (int)v
                : throw new ArgumentException($"{path}: origin {i / 2} ({(i % 2 == 0 ? "y" : "x")} = {v}) is far outside any map.");
        }
        return origins;
    }

    private static void WriteOverlay(string path, GrayImage<float> map, string? backgroundPath, double threshold)
    {
        var background = map;
        if (backgroundPath is not null)
        {
            background = MapFile.ReadProbabilities(backgroundPath);
            MapFile.RequireSameSize(map, "the stitched map", background, backgroundPath);
        }
        var ink = new byte[map.Pixels.Length];
        for (int i = 0; i < ink.Length; i++)
            ink[i] = map.Pixels[i] > threshold ? (byte)1 : (byte)0;
        InkOverlay.Write(path, background, ink);
    }
}
