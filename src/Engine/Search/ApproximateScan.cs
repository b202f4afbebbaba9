namespace Engine.Search;

/// <summary>The storage <see cref="CosineIndex.SearchApproximate"/> scans before re-scoring candidates exactly.</summary>
public enum ApproximateScan
{
    /// <summary>Rows as int8 with one symmetric scale per row (queries likewise), scanned with AVX-VNNI <c>vpdpbusd</c>.</summary>
    Int8,
}
