using Engine.Search;

namespace Engine.Tests.Search;

public sealed class IdentityRankingTests
{
    [Fact]
    public void New_individual_goes_before_the_first_identity_below_the_threshold()
    {
        string[] ids = ["id_1", "id_2", "id_3", "id_4", "id_5"];
        float[] scores = [0.7f, 0.3f, 0.2f, 0.1f, 0.05f];
        Assert.Equal(["id_1", IdentityRanking.NewIndividual, "id_2", "id_3", "id_4"],
            IdentityRanking.InsertNewIndividual<string>(ids, scores, 0.4, IdentityRanking.NewIndividual));
        // A score equal to the threshold stays ahead (0.3f as a double, so the comparison is exactly equal).
        Assert.Equal(["id_1", "id_2", IdentityRanking.NewIndividual, "id_3", "id_4"],
            IdentityRanking.InsertNewIndividual<string>(ids, scores, (double)0.3f, IdentityRanking.NewIndividual));
        Assert.Equal([IdentityRanking.NewIndividual, "id_1", "id_2"],
            IdentityRanking.InsertNewIndividual<string>(ids, scores, 0.9, IdentityRanking.NewIndividual, k: 3));
        Assert.Equal(["id_1", "id_2", "id_3", "id_4", "id_5"],
            IdentityRanking.InsertNewIndividual<string>(ids, scores, 0.01, IdentityRanking.NewIndividual));
        Assert.Equal(["id_1", "id_2", IdentityRanking.NewIndividual],
            IdentityRanking.InsertNewIndividual<string>(ids.AsSpan(0, 2), scores.AsSpan(0, 2), 0.01, IdentityRanking.NewIndividual));
        Assert.Throws<ArgumentException>(() => IdentityRanking.InsertNewIndividual<string>(ids, scores.AsSpan(0, 2), 0.1, "x"));
    }

    [Fact]
    public void Map_at_k_is_kaggles_definition()
    {
        string[][] predictions = [["a", "b", "c"], ["x", "a", "a", "b"], ["c", "c", "c", "c", "c", "b"], ["b"]];
        string[] truth = ["a", "b", "b", "b"];
        // 1, 1/4 (the repeated "a" counts once, at rank 2 and 3 both before b at rank 4), 0 (b is at rank 6 > 5), 1.
        Assert.Equal((1 + 0.25 + 0 + 1) / 4, IdentityRanking.MapAtK<string>(predictions, truth), 12);
        Assert.Equal((1 + 0 + 0 + 1) / 4.0, IdentityRanking.MapAtK<string>(predictions, truth, k: 3), 12);
        Assert.Throws<ArgumentException>(() => IdentityRanking.MapAtK<string>(predictions, truth[..2]));
        Assert.Throws<ArgumentException>(() => IdentityRanking.MapAtK<string>([], []));
    }

    [Fact]
    public void Threshold_sweep_returns_the_map5_optimal_threshold()
    {
        // Two known individuals found at 0.8 and 0.6, two new ones whose best wrong identity scores 0.5 and 0.3.
        string[][] labels = [["a", "b"], ["b", "a"], ["a", "b"], ["b", "a"]];
        float[][] scores = [[0.8f, 0.2f], [0.6f, 0.1f], [0.5f, 0.4f], [0.3f, 0.2f]];
        string[] truth = ["a", "b", IdentityRanking.NewIndividual, IdentityRanking.NewIndividual];
        var (threshold, map, maps) = IdentityRanking.BestThreshold<string>(labels, scores, truth, [0.0, 0.45, 0.55, 0.7, 0.9], IdentityRanking.NewIndividual);
        // 0.55: both known ones first (1, 1), both new ones first (1, 1).
        Assert.Equal(0.55, threshold);
        Assert.Equal(1.0, map);
        Assert.Equal([(1 + 1 + 1.0 / 3 + 1.0 / 3) / 4, (1 + 1 + 0.5 + 1) / 4, 1.0, (1 + 0.5 + 1 + 1) / 4, (0.5 + 0.5 + 1 + 1) / 4], maps);
    }

    [Theory]
    [InlineData(3, 4)]
    [InlineData(200, 7)]
    public void SearchIdentities_is_the_row_ranking_with_each_identity_at_its_first_row(int queries, int k)
    {
        const int dim = 12, rows = 900;
        var data = CosineIndexTests.RandomRows(rows, dim, seed: 11);
        // Every tenth row is an exact copy of an earlier row with another identity: exact ties across identities.
        for (int r = 10; r < rows; r += 10)
            data.AsSpan((r - 7) * dim, dim).CopyTo(data.AsSpan(r * dim, dim));
        var identities = Enumerable.Range(0, rows).Select(r => (r * 7919) % 60).ToArray();
        var ids = Enumerable.Range(0, rows).Select(r => 5000L - 3 * r).ToArray();
        var q = CosineIndexTests.RandomRows(queries, dim, seed: 12);
        using var index = new CosineIndex(dim);
        index.Add(data, ids, identities);
        var all = index.Search(q, rows);
        var result = index.SearchIdentities(q, k);
        var identityOfId = ids.Select((id, r) => (id, r)).ToDictionary(e => e.id, e => identities[e.r]);
        for (int i = 0; i < queries; i++)
        {
            var expected = Enumerable.Range(0, rows)
                .Select(j => (Score: all.Scores[i * rows + j], Id: all.Ids[i * rows + j]))
                .DistinctBy(e => identityOfId[e.Id]).Take(k).ToArray();
            Assert.Equal(expected.Select(e => identityOfId[e.Id]), result.Identities.AsSpan(i * k, k).ToArray());
            Assert.Equal(expected.Select(e => e.Score), result.Scores.AsSpan(i * k, k).ToArray());
            Assert.Equal(expected.Select(e => e.Id), result.Ids.AsSpan(i * k, k).ToArray());
        }
    }

    [Fact]
    public void Fewer_identities_than_k_are_padded()
    {
        using var index = new CosineIndex(2);
        index.Add([1, 0, 0.9f, 0.1f, 0, 1], identities: [4, 4, 9]);
        var result = index.SearchIdentities([1, 0], 3);
        Assert.Equal([4, 9, -1], result.Identities);
        Assert.Equal([0L, 2, -1], result.Ids);
        Assert.Equal(float.MinValue, result.Scores[2]);
    }
}
