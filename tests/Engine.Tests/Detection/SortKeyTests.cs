using Engine.Detection;

namespace Engine.Tests.Detection;

/// <summary>The hot path's packed-key sorts against LINQ's stable OrderBy, ties and every length class included.</summary>
public sealed class SortKeyTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(47)]
    [InlineData(49)]
    [InlineData(300)]
    [InlineData(5000)]
    public void Descending_scores_put_ties_later_first(int n)
    {
        var random = new Random(n);
        // Few distinct scores force ties; values that differ only below the packed key's 40 bits force exact fix-ups.
        var scores = Enumerable.Range(0, n).Select(_ => random.Next(4) switch
        {
            0 => 0.5,
            1 => 0.5 + 1e-15 * random.Next(3),
            2 => -random.NextDouble(),
            _ => random.NextDouble(),
        }).ToArray();
        var keys = scores.Select(SortKey.Descending).ToArray();
        var order = new int[n];
        SortKey.SortLaterFirst(keys, new ulong[n], new ulong[n], order);
        var expected = Enumerable.Range(0, n).OrderByDescending(i => scores[i]).ThenByDescending(i => i).ToArray();
        Assert.Equal(expected, order);
    }

    [Fact]
    public void Zero_and_negative_zero_tie()
    {
        Assert.Equal(SortKey.Descending(0.0), SortKey.Descending(-0.0));
        Assert.True(SortKey.Descending(1.0) < SortKey.Descending(0.5));
        Assert.True(SortKey.Descending(-0.5) > SortKey.Descending(0.0));
    }
}
