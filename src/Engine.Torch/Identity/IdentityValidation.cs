using Engine.Search;

namespace Engine.Torch.Identity;

/// <summary>One epoch's validation: MAP@5 at the best global threshold and with per-species thresholds.</summary>
/// <param name="Map">MAP@5 at <paramref name="Threshold"/>.</param>
/// <param name="Threshold">The global new_individual threshold with the best MAP@5.</param>
/// <param name="SpeciesMap">MAP@5 with each species' own best threshold (equal to <paramref name="Map"/> without species).</param>
/// <param name="SpeciesThresholds">Each species' best threshold (empty without species).</param>
/// <param name="Queries">Validation images.</param>
/// <param name="NewQueries">Of them, images of held-out individuals (truth new_individual).</param>
public sealed record IdentityValidationScore(double Map, double Threshold, double SpeciesMap,
    IReadOnlyDictionary<string, double> SpeciesThresholds, int Queries, int NewQueries);

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
