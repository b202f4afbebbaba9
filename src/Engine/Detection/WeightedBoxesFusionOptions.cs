namespace Engine.Detection;

/// <summary>The parameters of <see cref="WeightedBoxesFusion"/>, with ensemble-boxes' defaults.</summary>
public sealed record WeightedBoxesFusionOptions
{
    /// <summary>A box joins a cluster when its IoU with the fused box is strictly greater than this (default 0.55).</summary>
    public double IouThreshold { get; init; } = 0.55;

    /// <summary>Boxes scoring below this are ignored (default 0).</summary>
    public double SkipBoxThreshold { get; init; }

    /// <summary>How fused scores are computed (default <see cref="WbfConfType.Avg"/>).</summary>
    public WbfConfType ConfType { get; init; } = WbfConfType.Avg;

    /// <summary>With <see cref="WbfConfType.Avg"/>, let scores exceed 1 when a cluster has more boxes than models.</summary>
    public bool AllowsOverflow { get; init; }

    /// <exception cref="ArgumentException">A threshold is NaN or <see cref="ConfType"/> is not defined.</exception>
    internal void Validate()
    {
        WeightedBoxesFusion.CheckThreshold(IouThreshold, nameof(IouThreshold));
        WeightedBoxesFusion.CheckThreshold(SkipBoxThreshold, nameof(SkipBoxThreshold));
        if (!Enum.IsDefined(ConfType))
            throw new ArgumentException($"Unknown conf type {(int)ConfType}; it must be one of {string.Join(", ", WbfConfTypeNames.All)}.", nameof(ConfType));
    }
}
