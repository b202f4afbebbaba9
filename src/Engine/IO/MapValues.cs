namespace Engine.IO;

/// <summary>
/// A map's values as float32 or float64, flat (<see cref="MapFile.OpenValues"/>): memory-mapped from a float32 or
/// float64 .npy file, read into an array from anything else. The spans stay valid until disposal.
/// </summary>
public sealed class MapValues : IDisposable
{
    private readonly NpyMapping? _mapping;
    private readonly float[]? _floats;
    private readonly double[]? _doubles;

    internal MapValues(NpyMapping mapping) => _mapping = mapping;

    internal MapValues(float[]? floats, double[]? doubles) => (_floats, _doubles) = (floats, doubles);

    /// <summary>Whether the values are float64 (<see cref="Doubles"/>); otherwise they are float32 (<see cref="Floats"/>).</summary>
    public bool IsFloat64 => _mapping is not null ? _mapping.Header.Dtype == NpyDtype.Float64 : _doubles is not null;

    /// <summary>The float32 values.</summary>
    /// <exception cref="InvalidOperationException">The values are float64.</exception>
    public ReadOnlySpan<float> Floats => _mapping is not null ? _mapping.Float32
        : _floats ?? throw new InvalidOperationException("The values are float64.");

    /// <summary>The float64 values.</summary>
    /// <exception cref="InvalidOperationException">The values are float32.</exception>
    public ReadOnlySpan<double> Doubles => _mapping is not null ? _mapping.Float64
        : _doubles ?? throw new InvalidOperationException("The values are float32.");

    /// <summary>The number of values.</summary>
    public int Length => IsFloat64 ? Doubles.Length : Floats.Length;

    /// <inheritdoc />
    public void Dispose() => _mapping?.Dispose();
}
