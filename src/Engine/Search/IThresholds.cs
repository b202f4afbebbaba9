namespace Engine.Search;

/// <summary>A selection whose per-query thresholds the micro-kernel reads directly.</summary>
internal interface IThresholds
{
    /// <summary>One threshold per (padded) query of the block; see <see cref="ISelection.Threshold"/>.</summary>
    float[] Thresholds { get; }
}
