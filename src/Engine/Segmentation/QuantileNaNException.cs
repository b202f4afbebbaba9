namespace Engine.Segmentation;

/// <summary>
/// A value selected for a quantile is NaN and NaNs were not to be skipped: numpy.quantile would return NaN.
/// </summary>
/// <remarks>
/// An <see cref="ArgumentException"/> (about the values) that also says where the first NaN is, so that a caller
/// reading the values from a file can name the file, the position and its own way of skipping NaNs.
/// </remarks>
public sealed class QuantileNaNException : ArgumentException
{
    /// <summary>Creates the exception for the first NaN at <paramref name="index"/>.</summary>
    /// <param name="index">The index of the first selected NaN in the values.</param>
    /// <param name="count">How many selected values are NaN.</param>
    /// <param name="paramName">The values' parameter name.</param>
    public QuantileNaNException(long index, long count, string paramName)
        : base($"values[{index}] is NaN ({count} selected values are): numpy.quantile would return NaN. Pass ignoreNaN: true to skip NaNs like numpy.nanquantile.", paramName)
    {
        Index = index;
        Count = count;
    }

    /// <summary>The index of the first selected NaN.</summary>
    public long Index { get; }

    /// <summary>How many selected values are NaN.</summary>
    public long Count { get; }
}
