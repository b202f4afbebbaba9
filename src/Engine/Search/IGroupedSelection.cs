namespace Engine.Search;

/// <summary>
/// A selection whose results are groups of rows each scored by its best row (identities): a row scoring below
/// another row of its own group is no group's result, so the prefilter need not score it exactly.
/// </summary>
internal interface IGroupedSelection
{
    /// <summary>
    /// True when query <paramref name="query"/> holds the group of row <paramref name="row"/> at a score above
    /// <paramref name="score"/>.
    /// </summary>
    bool HoldsGroupAbove(int query, int row, double score);
}
