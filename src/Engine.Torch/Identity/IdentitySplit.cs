using Engine.Search;

namespace Engine.Torch.Identity;

/// <summary>
/// The split that mirrors the task: whole individuals held out (their images must come back as new_individual) and
/// some images of the other individuals (they must find their individual among the training images).
/// </summary>
public sealed record IdentitySplit(IReadOnlyList<IdentityRecord> Train, IReadOnlyList<IdentityRecord> Queries, IReadOnlyList<string> Truth)
{
    /// <summary>Splits by the seed: individuals in ordinal order, shuffled; the first fraction held out whole; then each other individual with ≥ 2 images gives each image but its first with probability <paramref name="images"/>.</summary>
    public static IdentitySplit Create(IReadOnlyList<IdentityRecord> records, double individuals, double images, int seed)
    {
        var random = new Random(seed ^ 0x5EED);
        var byIndividual = records.GroupBy(r => r.Individual!, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToArray();
        random.Shuffle(byIndividual);
        int held = (int)Math.Round(individuals * byIndividual.Length);
        var train = new List<IdentityRecord>();
        var queries = new List<IdentityRecord>();
        var truth = new List<string>();
        for (int i = 0; i < byIndividual.Length; i++)
        {
            var group = byIndividual[i].ToArray();
            if (i < held)
            {
                queries.AddRange(group);
                truth.AddRange(group.Select(_ => IdentityRanking.NewIndividual));
                continue;
            }
            train.Add(group[0]);
            foreach (var record in group.Skip(1))
            {
                if (random.NextDouble() < images)
                {
                    queries.Add(record);
                    truth.Add(record.Individual!);
                }
                else
                    train.Add(record);
            }
        }
        return new IdentitySplit(train, queries, truth);
    }

    /// <summary>Scores ranked queries: the best global threshold, and the best per species (by the query's species).</summary>
    public IdentityValidationScore Score(string[][] labels, float[][] scores)
    {
        var (threshold, map, _) = IdentityRanking.BestThreshold<string>(labels, scores, Truth, IdentityRanker.Candidates, IdentityRanking.NewIndividual);
        var perSpecies = new Dictionary<string, double>(StringComparer.Ordinal);
        double speciesMap = map;
        if (Queries.Any(q => q.Species is not null))
        {
            double sum = 0;
            foreach (var group in Enumerable.Range(0, Queries.Count).GroupBy(i => Queries[i].Species ?? ""))
            {
                var idx = group.ToArray();
                var (t, m, _) = IdentityRanking.BestThreshold<string>(idx.Select(i => labels[i]).ToArray(), idx.Select(i => scores[i]).ToArray(),
                    idx.Select(i => Truth[i]).ToArray(), IdentityRanker.Candidates, IdentityRanking.NewIndividual);
                perSpecies[group.Key] = t;
                sum += m * idx.Length;
            }
            speciesMap = sum / Queries.Count;
        }
        return new IdentityValidationScore(map, threshold, speciesMap, perSpecies, Queries.Count, Truth.Count(t => t == IdentityRanking.NewIndividual));
    }
}
