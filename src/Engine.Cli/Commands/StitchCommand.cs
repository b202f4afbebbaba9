using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Engine.Compute;
using Engine.IO;
using Engine.Segmentation;

namespace Engine.Cli.Commands;

/// <summary><c>engine stitch</c>: window predictions from anywhere (e.g. a Python model) into a full-resolution map (<see cref="SlidingWindowStitcher"/>).</summary>
internal static class StitchCommand
{
    /// <summary>Windows per <see cref="SlidingWindowStitcher.Add"/> call: enough rows for every core, a small slice of the input.</summary>
    private const int Batch = 4096;

    /// <summary>
    /// The longest side an upsampled window (tile × --factor) may have: 65,536 px, 64 × the largest windows of the
    /// ink-detection solutions (1,024 px); anything longer is a mistyped --factor, and the per-tile mode holds an
    /// upsampled window per core.
    /// </summary>
    private const int MaxWindowSide = 1 << 16;

    /// <summary>Bytes the in-memory stitcher holds per map pixel: two float32 accumulators and the float32 map.</summary>
    private const long InMemoryBytesPerPixel = 3 * sizeof(float);

    /// <summary>Bytes per map pixel that --png and --overlay add: the 8-bit preview, the ink mask and the RGB overlay with its compressed copy.</summary>
    private const long PreviewBytesPerPixel = 1 + 1 + 2 * 3;

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
            string sizeText = parse.GetValue(size)!;
            var (height, width) = ParseSize(sizeText);
            var options = new StitchOptions
            {
                Factor = CommandLine.InRange(parse.GetValue(factor), "--factor", 1, MaxWindowSide, " (the upsampling factor of the predictions)"),
                UpsampleMode = Choice.Parse("--upsample", parse.GetValue(upsample)!, ("per-tile", StitchUpsampleMode.PerTile), ("fast", StitchUpsampleMode.Fast)),
                Upsampling = Choice.Parse("--upsampling", parse.GetValue(upsampling)!, ("bilinear", StitchUpsampling.Bilinear), ("nearest", StitchUpsampling.Nearest)),
                AlignCorners = Choice.Parse("--align-corners", parse.GetValue(alignCorners)!, ("true", true), ("false", false)),
                Weighting = Choice.Parse("--weights", parse.GetValue(weights)!, ("constant", StitchWeighting.Constant), ("gaussian", StitchWeighting.Gaussian)),
                SigmaScale = parse.GetValue(sigmaScale) is var sigma && sigma > 0 && double.IsFinite(sigma) ? sigma
                    : throw new ArgumentException($"--sigma-scale {sigma.ToString(CultureInfo.InvariantCulture)} must be a positive number (MONAI's default is 0.125)."),
                Inner = parse.GetValue(inner) is { } innerSide ? CommandLine.InRange(innerSide, "--inner", 1, MaxWindowSide) : null,
                KeepEdges = parse.GetValue(keepEdges),
                Activation = Choice.Parse("--activation", parse.GetValue(activation)!, ("none", StitchActivation.None),
                    ("sigmoid-before", StitchActivation.SigmoidBeforeUpsample), ("sigmoid-after", StitchActivation.SigmoidAfterStitch)),
                Uncovered = Choice.Parse("--uncovered", parse.GetValue(uncovered)!, ("0", 0f), ("nan", float.NaN)),
            };
            if (options.KeepEdges && options.Inner is null)
                throw new ArgumentException("--keep-edges needs --inner.");
            double overlayAt = parse.GetValue(overlayThreshold) is var at && at is >= 0 and <= 1 ? at
                : throw new ArgumentException($"--overlay-threshold {at.ToString(CultureInfo.InvariantCulture)} is not a probability in [0, 1].");
            int? budgetMiB = parse.GetValue(budget);
            if (budgetMiB is not null)
            {
                CommandLine.InRange(budgetMiB.Value, "--budget-mb", 1, int.MaxValue);
                CommandLine.RequireMemory((long)budgetMiB.Value << 20, $"--budget-mb {budgetMiB}");
            }
            else
            {
                // The whole map is held: refuse before reading a byte what no .NET array or no machine here holds.
                long pixels = (long)height * width;
                if (pixels > Array.MaxLength)
                    throw new ArgumentException($"--size {sizeText} is {CommandLine.Count(pixels)} pixels; a map held in memory has at most {CommandLine.Count(Array.MaxLength)}: add --budget-mb to stitch it in bands to a .npy --out.");
                bool previews = parse.GetValue(png) is not null || parse.GetValue(overlay) is not null;
                CommandLine.RequireMemory(pixels * (InMemoryBytesPerPixel + (previews ? PreviewBytesPerPixel : 0)), $"--size {sizeText} (held in memory)");
            }
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
            long windowHeight = (long)tileHeight * options.Factor, windowWidth = (long)tileWidth * options.Factor;
            if (windowHeight > MaxWindowSide || windowWidth > MaxWindowSide)
                throw new ArgumentException($"--factor {options.Factor} makes the {tileHeight} × {tileWidth} windows of {tilesPath} {windowHeight} × {windowWidth} px; a window's side is at most {MaxWindowSide}.");
            if (options.Inner is { } side && (side > windowHeight || side > windowWidth))
                throw new ArgumentException($"--inner {side} is larger than the {windowHeight} × {windowWidth} windows (the {tileHeight} × {tileWidth} predictions of {tilesPath} × --factor {options.Factor}).");
            // Per core: the upsampled window being added, and the window's weights.
            CommandLine.RequireMemory(windowHeight * windowWidth * sizeof(float) * (Environment.ProcessorCount + 1), $"--factor {options.Factor} (windows of {windowHeight} × {windowWidth} px)");
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
            // Every output is written under a temporary name and all are renamed at the end: an error anywhere (a NaN
            // in a window, an unwritable --png) leaves none of them, and files already at those paths stay as they were.
            using var outputs = new AtomicFileSet();
            string stagedOut = outputs.Stage(outPath);
            string? pngPath = parse.GetValue(png)?.FullName, overlayPath = parse.GetValue(overlay)?.FullName;
            string? stagedPng = pngPath is null ? null : outputs.Stage(pngPath);
            string? stagedOverlay = overlayPath is null ? null : outputs.Stage(overlayPath);
            if (budgetMiB is not null)
            {
                if (outExtension != ".npy" || parse.GetValue(png) is not null || parse.GetValue(overlay) is not null)
                    throw new ArgumentException("--budget-mb streams the map to a .npy --out band by band; it cannot write .tif, --png or --overlay, which need the whole map.");
                // As BandedSlidingWindowStitcher counts it: five float32 values a pixel over three windows' height of rows.
                long needed = 5L * sizeof(float) * width * 3 * windowHeight;
                if (((long)budgetMiB.Value << 20) < needed)
                    throw new ArgumentException($"--budget-mb {budgetMiB} cannot hold bands of one window ({windowHeight} rows) over the {width} columns of --size {sizeText}; give at least --budget-mb {(needed + (1 << 20) - 1) >> 20}.");
                // The map goes to disk whole: refuse one the disk cannot hold rather than fill it and fail at the end.
                long fileBytes = (long)height * width * sizeof(float);
                long free = new DriveInfo(Path.GetPathRoot(outPath)!).AvailableFreeSpace;
                if (fileBytes > free)
                    throw new ArgumentException($"--size {sizeText} makes a {CommandLine.Bytes(fileBytes)} --out {outPath}, but its disk has {CommandLine.Bytes(free)} free.");
                var fragmentPixels = fragment?.Pixels;
                using var banded = new BandedSlidingWindowStitcher(stagedOut, height, width, tileHeight, tileWidth, (long)budgetMiB.Value << 20, options,
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
                MapFile.WriteProbabilities(stagedOut, map);
            if (stagedPng is not null && map is not null)
                PngImage.WriteProbabilityMap(stagedPng, map.Pixels, width, height);
            if (stagedOverlay is not null && map is not null)
                WriteOverlay(stagedOverlay, map, parse.GetValue(background)?.FullName, overlayAt);
            outputs.Commit();
            double writeSeconds = clock.Elapsed.TotalSeconds;

            new StitchResult(Tiles: tilesPath, Coords: coordsPath, Windows: n, TileHeight: tileHeight, TileWidth: tileWidth, Height: height, Width: width,
                Factor: options.Factor, Upsample: options.UpsampleMode == StitchUpsampleMode.Fast ? "fast" : "per-tile", BudgetMiB: budgetMiB,
                Output: outPath, Png: pngPath, Overlay: overlayPath, Backend: compute.Backend.ToString(),
                Seconds: new StitchResult.StageSeconds(readSeconds, stitchSeconds, writeSeconds))
            {
                BackendDescription = compute.Description,
            }.Write(stdout, parse.GetValue(json));
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
            catch (ArgumentException e) when (e.ParamName == "predictions" && ElementWise.IndexOfNaN<float>(batch) is int nan and >= 0)
            {
                // The stitcher counts windows within the batch and knows no file: name both as the user sees them.
                throw new InvalidDataException(
                    $"{tilesPath}: window {k + nan / tileLength} is NaN at row {nan % tileLength / tileWidth}, column {nan % tileWidth}; the model produced a non-finite value.", e);
            }
            bar.Advance(count);
        }
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
