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
/// The split that mirrors the task: images of known individuals held out (they must find their individual among the
/// training images) and whole individuals held out (their images must come back as new_individual), in the test
/// set's proportion: by default a fifth of the validation images are of held-out individuals, as in Happywhale's
/// test set.
/// </summary>
public sealed record IdentitySplit(IReadOnlyList<IdentityRecord> Train, IReadOnlyList<IdentityRecord> Queries, IReadOnlyList<string> Truth)
{
    /// <summary>
    /// Splits by the seed. Individuals in ordinal order are shuffled; each individual with ≥ 2 images offers each
    /// image but its first as a known query with probability <paramref name="images"/>. Then individuals are held out
    /// whole, in the shuffled order, each one only if its images keep the held-out images at or below
    /// <paramref name="newShare"/> of all queries (so the individuals held out lean to the rare ones, as unseen
    /// individuals in a test set do); an individual held out gives no known queries.
    /// </summary>
    /// <param name="records">The labelled rows.</param>
    /// <param name="newShare">The largest share of the queries that are of held-out individuals, in [0, 1).</param>
    /// <param name="images">Probability that an image (not an individual's first) is a known query.</param>
    /// <param name="seed">The seed.</param>
    public static IdentitySplit Create(IReadOnlyList<IdentityRecord> records, double newShare, double images, int seed)
    {
        var random = new Random(seed ^ 0x5EED);
        var byIndividual = records.GroupBy(r => r.Individual!, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.ToArray()).ToArray();
        random.Shuffle(byIndividual);
        // Known queries first: whether an image is one does not depend on which individuals are held out.
        var isQuery = byIndividual.Select(group => group.Select((_, i) => i > 0 && random.NextDouble() < images).ToArray()).ToArray();
        int known = isQuery.Sum(q => q.Count(b => b));
        var held = new bool[byIndividual.Length];
        int newImages = 0;
        for (int i = 0; i < byIndividual.Length; i++)
        {
            int knownLeft = known - isQuery[i].Count(b => b);
            int newCount = newImages + byIndividual[i].Length;
            // Kept only while the held-out images stay within the share, and a known individual remains to train on.
            if (newCount <= newShare * (newCount + knownLeft) && i < byIndividual.Length - 1)
            {
                held[i] = true;
                newImages = newCount;
                known = knownLeft;
            }
        }
        var train = new List<IdentityRecord>();
        var queries = new List<IdentityRecord>();
        var truth = new List<string>();
        for (int i = 0; i < byIndividual.Length; i++)
        {
            for (int j = 0; j < byIndividual[i].Length; j++)
            {
                var record = byIndividual[i][j];
                if (held[i] || isQuery[i][j])
                {
                    queries.Add(record);
                    truth.Add(held[i] ? IdentityRanking.NewIndividual : record.Individual!);
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
