// Cosine top-k over 100,000 random 128-dimensional embeddings, the FAISS IndexFlatIP way.
using Engine.Search;

var random = new Random(1);
float[] database = new float[100_000 * 128];
foreach (ref float x in database.AsSpan()) x = random.NextSingle() - 0.5f;
float[] queries = database.AsSpan(0, 4 * 128).ToArray();     // the first four rows, as queries

using var index = new CosineIndex(dimension: 128, normalize: true);
index.Add(database);
SearchResult result = index.Search(queries, k: 5);

for (int q = 0; q < result.Queries; q++)
    Console.WriteLine($"query {q}: ids {string.Join(' ', result.Ids.AsSpan(q * 5, 5).ToArray())}, best score {result.Scores[q * 5]:F4}");
// Each query's best match is itself (score 1).
return result.Ids[0] == 0 && result.Ids[5] == 1 && result.Ids[10] == 2 && result.Ids[15] == 3 ? 0 : 1;
