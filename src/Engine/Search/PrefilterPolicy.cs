namespace Engine.Search;

/// <summary>When <see cref="CosineIndex"/>'s CPU searches run the int8 prefilter (results are the same either way).</summary>
internal enum PrefilterPolicy
{
    /// <summary>Where the CPU has AVX-VNNI, the rows at least <see cref="CosineIndex.MinPrefilterDimension"/> dimensions and the search at least <see cref="CosineIndex.MinPrefilterPairs"/> query × row pairs.</summary>
    Auto,

    /// <summary>Never: the exact scan alone.</summary>
    Never,

    /// <summary>Always, with the scalar int8 tile where the CPU has no AVX-VNNI (for tests).</summary>
    Always,
}
