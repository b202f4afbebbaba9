namespace Engine.Torch.Ink;

/// <summary>
/// The tiles of the training fragments, cut with the engine's <see cref="TileGrid"/> and <see cref="VolumeTiler"/>
/// over each mask and held in memory as uint16, split by fragment region (group k-fold): each fragment is cut
/// into <see cref="InkTrainerOptions.Folds"/> vertical strips; tiles touching the held-out strip are validation
/// tiles and are never trained on.
/// </summary>
internal sealed class InkTileSet(InkInput input, int below, int above, IReadOnlyList<InkFragment> fragments, IReadOnlyList<InkTile> train,
    IReadOnlyList<InkTile> valid)
{
    public InkInput Input => input;

    /// <summary>Slices held below the input window (for a z-shift towards lower slice numbers): the window's offset in a tile.</summary>
    public int Below => below;

    /// <summary>Slices held above the input window.</summary>
    public int Above => above;

    public int Channels => Input.Slices.Count;

    public int HeldChannels => Below + Channels + Above;

    public IReadOnlyList<InkFragment> Fragments => fragments;

    public IReadOnlyList<InkTile> Train => train;

    public IReadOnlyList<InkTile> Valid => valid;

    /// <summary>Reads every fragment's tiles.</summary>
    /// <exception cref="ArgumentException">No fragment is given, the slices fall outside a volume, a size disagrees, or a fragment yields no training (or validation) tiles.</exception>
    /// <exception cref="DirectoryNotFoundException">A fragment directory or its surface_volume is missing.</exception>
    /// <exception cref="FileNotFoundException">mask.png or inklabels.png is missing.</exception>
    /// <exception cref="NotSupportedException">A volume holds float32 samples (training takes uint8 or uint16 scans).</exception>
    /// <exception cref="InvalidDataException">A file is corrupt (the message names it).</exception>
    public static InkTileSet Load(IReadOnlyList<string> directories, InkTrainerOptions options)
    {
        if (directories.Count == 0)
            throw new ArgumentException("Training needs at least one fragment directory.");
        var input = options.Input;
        int shift = options.Augmentation.ZShift;
        // The z-shift margin is what every volume can give: the same for all, so every tile has the same depth.
        int below = shift, above = shift;
        var opened = new List<(string Directory, string Volume, GrayImage<byte> Mask, GrayImage<byte> Labels)>();
        foreach (string directory in directories)
        {
            if (!System.IO.Directory.Exists(directory))
                throw new DirectoryNotFoundException($"The fragment directory {directory} does not exist.");
            string volume = Path.Combine(directory, "surface_volume");
            if (!System.IO.Directory.Exists(volume))
                throw new DirectoryNotFoundException($"{directory} is not a fragment: it has no surface_volume folder of slices.");
            // Sizes from the headers first, so a file declaring a huge image fails before either is decoded.
            if (File.Exists(Path.Combine(directory, "mask.png")) && File.Exists(Path.Combine(directory, "inklabels.png")))
                MapFile.RequireSameDeclaredSize(Path.Combine(directory, "mask.png"), Path.Combine(directory, "inklabels.png"));
            var mask = ReadMap(directory, "mask.png", "the fragment's mask");
            var labels = ReadMap(directory, "inklabels.png", "training needs the ink labels of every fragment");
            MapFile.RequireSameSize(mask, Path.Combine(directory, "mask.png"), labels, Path.Combine(directory, "inklabels.png"));
            using (var all = TiffVolume.Open(volume))
            {
                if (input.Slices.Last >= all.TotalSlices)
                    throw new ArgumentException($"The slices {input.Slices} fall outside {volume}, which has {all.TotalSlices} slices (0..{all.TotalSlices - 1}).");
                if (all.SampleType == VolumeSampleType.Float32)
                    throw new NotSupportedException($"{volume} holds float32 samples; training reads uint8 or uint16 scans.");
                if (all.Width != mask.Width || all.Height != mask.Height)
                    throw new ArgumentException($"{Path.Combine(directory, "mask.png")} is {mask.Height} × {mask.Width} (height × width) but the slices of {volume} are {all.Height} × {all.Width}; they must be the same size.");
                below = Math.Min(below, input.Slices.First);
                above = Math.Min(above, all.TotalSlices - 1 - input.Slices.Last);
            }
            opened.Add((directory, volume, mask, labels));
        }

        var fragments = new List<InkFragment>();
        var train = new List<InkTile>();
        var valid = new List<InkTile>();
        var held = new SliceRange(input.Slices.First - below, input.Slices.Last + above);
        foreach (var (directory, volumePath, mask, labels) in opened)
        {
            int width = mask.Width, height = mask.Height, index = fragments.Count;
            bool validating = options.Folds > 1;
            var (from, to) = options.ValidationColumns(width);
            var scored = new byte[mask.Pixels.Length];
            for (int y = 0; y < height; y++)
                for (int x = from; x < to; x++)
                    scored[y * width + x] = mask.Pixels[y * width + x];
            fragments.Add(new InkFragment(directory, width, height, labels.Pixels, scored));

            using var volume = TiffVolume.Open(volumePath, held);
            var trainGrid = TileGrid.Create(mask.Pixels, width, height, input.Tile, options.TrainStride);
            int before = train.Count;
            // A tile is trained on only when it lies entirely left or right of the validation strip.
            Cut(volume, trainGrid, labels, index, o => o.X + input.Tile <= from || o.X >= to, train);
            if (train.Count == before)
                throw new ArgumentException($"{directory} yields no training tiles of {input.Tile} px outside the validation strip (columns {from}..{to - 1}); use a smaller tile or another fold.");
            if (validating)
            {
                if (!scored.Contains((byte)1))
                    throw new ArgumentException($"The validation strip of {directory} (columns {from}..{to - 1}) holds no fragment pixels; use another fold.");
                var validGrid = TileGrid.Create(scored, width, height, input.Tile, options.ValidStride);
                Cut(volume, validGrid, labels, index, _ => true, valid);
            }
        }
        return new InkTileSet(input, below, above, fragments, train, valid);
    }

    private static GrayImage<byte> ReadMap(string directory, string name, string why)
    {
        string path = Path.Combine(directory, name);
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} is missing: {why}.", path);
        return MapFile.ReadMask(path);
    }

    /// <summary>Cuts the grid's tiles (raw values, no scaling) and keeps those <paramref name="keep"/> accepts, with their labels.</summary>
    private static void Cut(TiffVolume volume, TileGrid grid, GrayImage<byte> labels, int fragment, Func<TileOrigin, bool> keep, List<InkTile> tiles)
    {
        var tiler = new VolumeTiler(volume, grid, new VolumeTilerOptions { Scale = TileScale.Raw, Normalize = false });
        int tile = grid.Tile;
        foreach (var batch in tiler.Batches())
        {
            using (batch)
            {
                var data = batch.Data.Span;
                for (int b = 0; b < batch.Count; b++)
                {
                    var origin = batch.Origins[b];
                    if (!keep(origin))
                        continue;
                    var slices = new ushort[batch.TileLength];
                    // Raw uint8/uint16 samples are whole numbers in float32: the conversion back is exact.
                    System.Numerics.Tensors.TensorPrimitives.ConvertTruncating(data.Slice(b * batch.TileLength, batch.TileLength), slices);
                    tiles.Add(new InkTile(fragment, origin, slices, CutLabels(labels, origin, tile)));
                }
            }
        }
    }

    private static byte[] CutLabels(GrayImage<byte> labels, TileOrigin origin, int tile)
    {
        var cut = new byte[tile * tile];
        int rows = Math.Min(tile, labels.Height - origin.Y), columns = Math.Min(tile, labels.Width - origin.X);
        for (int y = 0; y < rows; y++)
            labels.Pixels.AsSpan((origin.Y + y) * labels.Width + origin.X, columns).CopyTo(cut.AsSpan(y * tile, columns));
        return cut;
    }
}
