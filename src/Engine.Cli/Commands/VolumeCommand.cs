using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Engine.IO;
using Engine.Volumes;

namespace Engine.Cli.Commands;

/// <summary><c>engine volume info|tile</c>: a TIFF stack's layout, and the tiles a model reads from it.</summary>
internal static class VolumeCommand
{
    public static Command Create() => new("volume", "TIFF volumes (a directory of slices 00.tif … or one multi-page TIFF): inspect them and cut them into normalized tiles.")
    {
        Info(),
        Tile(),
    };

    private static Argument<string> SourceArgument() => new("source")
    {
        Description = "A directory of slice files named by number (00.tif, 01.tif, …) or a multi-page TIFF file.",
    };

    private static Option<string> SlicesOption() => new("--slices")
    {
        Description = "Slices to read, FIRST..LAST inclusive (15..49 is the middle 35 of 65); default all.",
    };

    private static Command Info()
    {
        var source = SourceArgument();
        var slices = SlicesOption();
        var json = CommandLine.JsonOption();
        var command = new Command("info", "Slices, size, sample type, compression, strips or tiles and bytes of a volume.") { source, slices, json };
        command.SetAction(parse => CommandLine.Execute(parse, stdout =>
        {
            using var volume = Open(parse.GetValue(source)!, parse.GetValue(slices));
            var infos = volume.Slices;
            var files = infos.Select(s => s.Path).Distinct().ToArray();
            var first = infos[0];
            new VolumeInfoResult(Source: volume.Source, MultiPage: volume.IsMultiPage, TotalSlices: volume.TotalSlices, Slices: volume.SliceCount,
                Range: volume.Range.ToString(), Width: volume.Width, Height: volume.Height, Dtype: volume.SampleType.ToString().ToLowerInvariant(),
                Compression: infos.Select(s => s.Compression).Distinct().ToArray(), Predictor: infos.Select(s => s.Predictor).Distinct().ToArray(),
                Layout: first.Tiled ? "tiled" : "striped", BlockWidth: first.BlockWidth, BlockHeight: first.BlockHeight, BlocksPerSlice: first.Blocks,
                BigTiff: first.BigTiff, FileBytes: files.Sum(f => new FileInfo(f).Length), UncompressedBytes: volume.UncompressedBytes)
                .Write(stdout, parse.GetValue(json));
            return 0;
        }));
        return command;
    }

    private static Command Tile()
    {
        var source = SourceArgument();
        var mask = CommandLine.FileOption("--mask", "The fragment mask (PNG, TIFF or .npy; non-zero = fragment), the slices' size.", required: true);
        var tile = new Option<int>("--tile") { Description = "Tile side in pixels.", DefaultValueFactory = _ => 256 };
        var stride = new Option<int>("--stride") { Description = "Step between tile origins in pixels.", DefaultValueFactory = _ => 32 };
        var slices = SlicesOption();
        var scale = new Option<string>("--scale") { Description = "Value scaling: raw, 65535 (÷65535) or 255 (÷255), in float32.", DefaultValueFactory = _ => "raw" };
        var normalize = new Option<bool>("--normalize") { Description = "Normalize each tile by its own mean and unbiased std: (x − mean) / (std + 1e-6)." };
        var rule = new Option<string>("--keep") { Description = "Which tiles to keep: any (some mask pixel non-zero) or all (every mask pixel non-zero).", DefaultValueFactory = _ => "any" };
        var batch = new Option<int>("--batch") { Description = "Tiles per batch.", DefaultValueFactory = _ => 16 };
        var budget = new Option<string>("--memory") { Description = "Memory budget for the mask, the tile grid, the band of rows and the batches: bytes, or with K, M, G (powers of 1024).", DefaultValueFactory = _ => "2G" };
        var output = CommandLine.FileOption("--out", "Write the tiles as float32 (N, C, H, W) .npy.");
        var coords = CommandLine.FileOption("--coords", "Write the tiles' (y, x) origins as int32 (N, 2) .npy.");
        var limit = new Option<int?>("--limit") { Description = "Stop after this many tiles." };
        var cache = new Option<DirectoryInfo>("--cache") { Description = "Tile cache folder: built from the slices on first use (32 × 32 × slices chunks in one memory-mapped file), read instead of the TIFFs afterwards." };
        var json = CommandLine.JsonOption();
        var backend = CommandLine.BackendOption();
        var command = new Command("tile", "Cut the volume into tiles at every stride over the mask, as the ink-detection solutions do, streaming it in bands under a memory budget.")
        {
            source, mask, tile, stride, slices, scale, normalize, rule, batch, budget, output, coords, limit, cache, json, backend,
        };
        command.SetAction(parse => CommandLine.Execute(parse, (stdout, cancel) =>
        {
            // Every number is checked before a byte of the volume is read.
            int side = Positive(parse.GetValue(tile), "--tile"), step = Positive(parse.GetValue(stride), "--stride");
            int batchSize = Positive(parse.GetValue(batch), "--batch");
            int? max = parse.GetValue(limit) is { } n ? Positive(n, "--limit") : null;
            long memory = Bytes(parse.GetValue(budget)!);
            var clock = Stopwatch.StartNew();
            using var volume = Open(parse.GetValue(source)!, parse.GetValue(slices));
            string maskPath = parse.GetValue(mask)!.FullName;
            if (MapFile.ReadSize(maskPath) is { } declared && declared != (volume.Width, volume.Height))
                throw new InvalidDataException($"{maskPath} is {declared.Width}×{declared.Height} px but the slices of {volume.Source} are {volume.Width}×{volume.Height}; the mask must match them.");
            var fragment = MapFile.ReadMask(maskPath);
            if (fragment.Width != volume.Width || fragment.Height != volume.Height)
                throw new InvalidDataException($"{maskPath} is {fragment.Width}×{fragment.Height} px but the slices of {volume.Source} are {volume.Width}×{volume.Height}; the mask must match them.");
            var keep = Choice.Parse("--keep", parse.GetValue(rule)!, ("any", TileKeepRule.AnyMasked), ("all", TileKeepRule.AllMasked));
            var grid = TileGrid.Create(fragment.Pixels, fragment.Width, fragment.Height, side, step, keep);
            using var compute = CommandLine.CreateCompute(parse.GetValue(backend)!);
            using var chunks = parse.GetValue(cache) is { } folder ? OpenCache(parse, volume, folder.FullName) : null;
            // The budget covers everything the command holds, not only the tiler's buffers: the mask and the grid too.
            long held = fragment.Pixels.Length + (long)grid.Count * 2 * sizeof(int);
            if (held >= memory)
                throw new ArgumentException($"--memory {parse.GetValue(budget)} is too small: the mask and the tile grid alone take {CommandLine.Count(held)} bytes.");
            var options = new VolumeTilerOptions
            {
                BatchSize = batchSize,
                Scale = Choice.Parse("--scale", parse.GetValue(scale)!, ("raw", TileScale.Raw), ("65535", TileScale.Divide65535), ("255", TileScale.Divide255)),
                Normalize = parse.GetValue(normalize),
                MemoryBudget = Math.Max(memory - held, 1),
                Compute = compute,
                Cache = chunks,
            };
            VolumeTiler tiler;
            try
            {
                tiler = new VolumeTiler(volume, grid, options);
            }
            catch (ArgumentException e)
            {
                // The tiler's message gives the bytes; the flags are what the user can change.
                throw new ArgumentException($"--memory {parse.GetValue(budget)}, --tile {side}, --batch {batchSize}: {CommandLine.UserMessage(e)}", e);
            }
            int total = Math.Min(grid.Count, max ?? int.MaxValue);

            // Both arrays are written under temporary names and renamed together at the end: a slice that fails to
            // decode halfway leaves neither (nor a header-only .npy), and files already at --out/--coords stay.
            using var outputs = new AtomicFileSet();
            string? tilesPath = parse.GetValue(output)?.FullName, coordsPath = parse.GetValue(coords)?.FullName;
            using var tilesFile = tilesPath is null ? null : new NpyWriter<float>(outputs.Stage(tilesPath), [volume.SliceCount, side, side]);
            using var coordsFile = coordsPath is null ? null : new NpyWriter<int>(outputs.Stage(coordsPath), [2]);
            long tiles = 0;
            using (var bar = ProgressBar.Start(parse, "Tiling", total))
            {
                foreach (var cut in tiler.Batches(max, bar, cancel))
                {
                    using (cut)
                    {
                        tilesFile?.Append(cut.Data.Span);
                        coordsFile?.Append(cut.Origins.SelectMany(t => new[] { t.Y, t.X }).ToArray());
                        tiles += cut.Count;
                    }
                }
            }
            tilesFile?.Complete();
            coordsFile?.Complete();
            outputs.Commit();
            double seconds = clock.Elapsed.TotalSeconds;
            new VolumeTileResult(Source: volume.Source, Slices: volume.SliceCount, Range: volume.Range.ToString(), Width: volume.Width, Height: volume.Height,
                Tile: side, Stride: step, GridTiles: grid.Count, Tiles: tiles, TileShape: [volume.SliceCount, side, side], BytesRead: tiler.BytesRead,
                MemoryBudget: memory, PeakBytes: tiler.PeakBytes + held, Backend: compute.Description, BandRows: tiler.BandRows, Seconds: seconds,
                TilesPerSecond: tiles / seconds, ReadMBPerSecond: tiler.BytesRead / 1e6 / seconds, Cache: chunks?.Directory, Output: tilesPath, Coords: coordsPath)
                .Write(stdout, parse.GetValue(json));
            return 0;
        }));
        return command;
    }

    /// <summary>The cache in <paramref name="folder"/>, built first (with a progress bar) when there is none.</summary>
    private static TileCache OpenCache(ParseResult parse, TiffVolume volume, string folder)
    {
        if (TileCache.Open(volume, folder) is { } existing)
            return existing;
        using var bar = ProgressBar.Start(parse, "Caching", volume.Height);
        return TileCache.Build(volume, folder, bar);
    }

    private static TiffVolume Open(string source, string? slices) =>
        TiffVolume.Open(source, slices is null ? null : SliceRange.Parse(slices));

    private static int Positive(int value, string option) =>
        value >= 1 ? value : throw new ArgumentException($"{option} {value} must be at least 1.");

    /// <summary>"2G", "512M", "64K" or a plain byte count.</summary>
    internal static long Bytes(string text)
    {
        string digits = text.TrimEnd('K', 'M', 'G', 'k', 'm', 'g');
        int shift = text.Length == digits.Length ? 0 : char.ToUpperInvariant(text[^1]) switch { 'K' => 10, 'M' => 20, _ => 30 };
        if (text.Length - digits.Length > 1 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value < 1 || value > (long.MaxValue >> shift))
            throw new ArgumentException($"--memory {text} is not a byte count such as 2G, 512M or 1000000.");
        return value << shift;
    }
}
