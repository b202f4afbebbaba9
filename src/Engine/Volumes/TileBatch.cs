namespace Engine.Volumes;

/// <summary>
/// A batch of tiles in one contiguous float32 buffer laid out (B, C, H, W), with the (y, x) origin of each tile.
/// The buffer comes from the tiler's pool: dispose the batch to give it back.
/// </summary>
public sealed class TileBatch : IDisposable
{
    private readonly Action<float[]>? _return;
    private float[]? _buffer;

    internal TileBatch(float[] buffer, int channels, int tile, TileOrigin[] origins, Action<float[]>? giveBack)
    {
        _buffer = buffer;
        Channels = channels;
        Tile = tile;
        Origins = origins;
        _return = giveBack;
    }

    /// <summary>Tiles in the batch (B); the last batch of a grid may hold fewer than the batch size.</summary>
    public int Count => Origins.Length;

    /// <summary>Channels per tile (C): the slices read.</summary>
    public int Channels { get; }

    /// <summary>Tile side (H = W).</summary>
    public int Tile { get; }

    /// <summary>Values per tile: C × H × W.</summary>
    public int TileLength => Channels * Tile * Tile;

    /// <summary>The origin of each tile, in the order of the tiles.</summary>
    public TileOrigin[] Origins { get; }

    /// <summary>The tiles, (B, C, H, W) row-major.</summary>
    /// <exception cref="ObjectDisposedException">The batch was disposed.</exception>
    public Memory<float> Data => (_buffer ?? throw new ObjectDisposedException(nameof(TileBatch))).AsMemory(0, Count * TileLength);

    /// <summary>(B, C, H, W).</summary>
    public int[] Shape => [Count, Channels, Tile, Tile];

    /// <summary>
    /// The shape of the same buffer seen as (B, G, C / G, H, W): <paramref name="groups"/> groups of consecutive
    /// channels, as 2.5D models read 35 slices as 7 groups of 5.
    /// </summary>
    /// <param name="groups">Groups G; must divide the channels.</param>
    /// <returns>The five dimensions.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="groups"/> is below 1 or does not divide <see cref="Channels"/>.</exception>
    public int[] GroupedShape(int groups)
    {
        if (groups < 1 || Channels % groups != 0)
            throw new ArgumentOutOfRangeException(nameof(groups), groups, $"{groups} groups do not divide the tiles' {Channels} channels.");
        return [Count, groups, Channels / groups, Tile, Tile];
    }

    /// <summary>Gives the buffer back to the pool; <see cref="Data"/> is unusable afterwards.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
            _return?.Invoke(buffer);
    }
}
