namespace Engine.Search;

/// <summary>The total order of results: score descending, then id ascending.</summary>
internal static class ResultOrder
{
    /// <summary>True when (scoreA, idA) ranks strictly before (scoreB, idB).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Before(float scoreA, long idA, float scoreB, long idB) =>
        scoreA > scoreB || (scoreA == scoreB && idA < idB);
}
