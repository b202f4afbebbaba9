namespace Engine.Search;

/// <summary>
/// What the scan feeds its candidates to: a per-query threshold the micro-kernel compares whole score vectors
/// with, and a slow path for the rare scores that reach it.
/// </summary>
internal interface ISelection
{
    /// <summary>Scores strictly below this cannot enter query <paramref name="query"/>'s result.</summary>
    float Threshold(int query);

    /// <summary>Offers row position <paramref name="row"/> with its score to query <paramref name="query"/>.</summary>
    void Offer(int query, float score, int row);
}
