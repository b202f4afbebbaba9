using System.Diagnostics;
using Engine.Search;

namespace Engine.Torch.Identity;

/// <summary>
/// Prediction with one or several models. Each model embeds the training and test images (flip TTA: the image and
/// its mirror averaged); with M models the L2-normalized embeddings are concatenated, each scaled by 1/√M, so a dot
/// product of two concatenations is the mean of the models' cosine similarities: averaging similarities, the
/// ensemble the Happywhale solutions used, done in one search of the engine's <see cref="CosineIndex"/> instead of
/// M searches and a merge. The top five distinct individuals follow, with new_individual inserted at the threshold.
/// </summary>
public static class IdentityPredictor
{
    /// <summary>Embeds the files with one model: (rows, E) row-major, and the time spent waiting for the loader and in the model.</summary>
    /// <param name="net">The model, in eval mode after the call.</param>
    /// <param name="checkpoint">Its input size and resize.</param>
    /// <param name="paths">The image files.</param>
    /// <param name="batch">Images per forward pass.</param>
    /// <param name="progress">Receives the running number of images embedded.</param>
    /// <param name="cancellationToken">Checked before every batch.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static (float[] Embeddings, double Wait, double Model, double Decode) Embed(IdentityNet net, IdentityCheckpoint checkpoint,
        IReadOnlyList<string> paths, int batch = 64, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        net.eval();
        int dimension = net.Config.EmbeddingSize;
        var result = new float[paths.Count * dimension];
        using var loader = new IdentityLoader(paths, checkpoint.Size, checkpoint.Resize, batch);
        double wait = 0, model = 0;
        var clock = Stopwatch.StartNew();
        foreach (var (start, data, count) in loader.Batches())
        {
            cancellationToken.ThrowIfCancellationRequested();
            wait += clock.Elapsed.TotalSeconds;
            clock.Restart();
            IdentityEmbedding.Embed(net, data, count, checkpoint.Size, flipTta: true).CopyTo(result, start * dimension);
            progress?.Report(start + count);
            model += clock.Elapsed.TotalSeconds;
            clock.Restart();
        }
        wait += clock.Elapsed.TotalSeconds;
        return (result, wait, model, loader.DecodeSeconds);
    }

    /// <summary>Predicts five ids for every test image.</summary>
    /// <param name="models">Model directories (one or more).</param>
    /// <param name="train">The training CSV's rows (the gallery).</param>
    /// <param name="test">The test rows.</param>
    /// <param name="images">The image folder.</param>
    /// <param name="threshold">The new_individual threshold; null for the models' own (the mean of their validated thresholds, per species where they have them).</param>
    /// <param name="progress">Receives the running number of images embedded, of models × (training + test images).</param>
    /// <param name="cancellationToken">Checked before every batch of images.</param>
    /// <exception cref="ArgumentException">No models, or a training row without an individual.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static IdentityPrediction Predict(IReadOnlyList<string> models, IReadOnlyList<IdentityRecord> train, IReadOnlyList<IdentityRecord> test,
        string images, double? threshold, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        if (models.Count == 0)
            throw new ArgumentException("Prediction needs at least one model.", nameof(models));
        if (train.Any(r => r.Individual is null))
            throw new ArgumentException("Every training row needs an individual_id.", nameof(train));
        var total = Stopwatch.StartNew();
        var clock = Stopwatch.StartNew();
        double load = 0, wait = 0, model = 0, decode = 0;
        long embedded = 0;
        var checkpoints = new List<IdentityCheckpoint>();
        var galleryParts = new List<float[]>();
        var queryParts = new List<float[]>();
        var trainPaths = train.Select(r => Path.Combine(images, r.Image)).ToArray();
        var testPaths = test.Select(r => Path.Combine(images, r.Image)).ToArray();
        foreach (string directory in models)
        {
            clock.Restart();
            var (net, checkpoint) = IdentityCheckpoint.Load(directory);
            using var _ = net;
            checkpoints.Add(checkpoint);
            load += clock.Elapsed.TotalSeconds;
            foreach (var (paths, parts) in new[] { (trainPaths, galleryParts), (testPaths, queryParts) })
            {
                long before = embedded;
                var (embeddings, w, m, d) = Embed(net, checkpoint, paths, progress: progress is null ? null : new RunningTotal(done => progress.Report(before + done)),
                    cancellationToken: cancellationToken);
                embedded += paths.Length;
                wait += w;
                model += m;
                decode += d;
                parts.Add(embeddings);
            }
        }
        var gallery = Concatenate(galleryParts, train.Count);
        var queries = Concatenate(queryParts, test.Count);
        int dimension = gallery.Length / Math.Max(1, train.Count);

        clock.Restart();
        using var ranker = new IdentityRanker(gallery, dimension, train.Select(r => r.Individual!).ToArray());
        var (labels, scores) = ranker.Rank(queries);
        double search = clock.Elapsed.TotalSeconds;

        clock.Restart();
        double global = threshold ?? checkpoints.Average(c => c.Threshold);
        var species = threshold is null ? checkpoints.SelectMany(c => c.SpeciesThresholds).GroupBy(p => p.Key)
            .ToDictionary(g => g.Key, g => g.Average(p => p.Value)) : new Dictionary<string, double>();
        var speciesOf = SpeciesOf(train);
        var predictions = new string[test.Count][];
        for (int q = 0; q < test.Count; q++)
        {
            double t = test[q].Species is { } s && species.TryGetValue(s, out double own) ? own
                : IdentityRanker.ThresholdFor(labels[q], global, species, speciesOf);
            predictions[q] = IdentityRanker.Predict(labels[q], scores[q], t);
        }
        double ranking = clock.Elapsed.TotalSeconds;
        return new IdentityPrediction(test.Select(r => r.Image).ToArray(), predictions, scores.Select(s => s.Length > 0 ? s[0] : float.NaN).ToArray(),
            labels.Select(l => l.Length > 0 ? l[0] : IdentityRanking.NewIndividual).ToArray(), global, species,
            new IdentityStageSeconds(load, decode, wait, model, search, ranking, 0, total.Elapsed.TotalSeconds));
    }

    /// <summary>Writes the competition's format: <c>image,predictions</c>, five space-separated ids per row (temporary name, then renamed).</summary>
    public static double WriteSubmission(string path, IdentityPrediction prediction)
    {
        var clock = Stopwatch.StartNew();
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { Length: > 0 } folder)
            Directory.CreateDirectory(folder);
        Engine.IO.AtomicFile.WriteAllLines(path, prediction.Images.Select((image, i) => $"{IdentityCsv.Quote(image)},{string.Join(' ', prediction.Predictions[i])}").Prepend("image,predictions"));
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Reads a submission: image → its predictions, in order.</summary>
    /// <exception cref="InvalidDataException">The header is not image,predictions, a row is malformed or an image repeats; the message names the file and line.</exception>
    public static Dictionary<string, string[]> ReadSubmission(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"The submission {path} does not exist.", path);
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || IdentityCsv.Split(lines[0]).Select(f => f.Trim()).ToArray() is not ["image", "predictions"])
            throw new InvalidDataException($"{path}, line 1: the header must be \"image,predictions\".");
        var result = new Dictionary<string, string[]>(StringComparer.Ordinal);
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
                continue;
            var fields = IdentityCsv.Split(lines[i]);
            if (fields.Count != 2)
                throw new InvalidDataException($"{path}, line {i + 1}: {fields.Count} fields where image,predictions needs 2.");
            if (!result.TryAdd(fields[0].Trim(), fields[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)))
                throw new InvalidDataException($"{path}, line {i + 1}: the image \"{fields[0].Trim()}\" is listed again.");
        }
        return result;
    }

    /// <summary>MAP@5 of a submission against a truth CSV (image,individual_id; new_individual is an id like any other).</summary>
    /// <exception cref="InvalidDataException">A truth image has no prediction (the message names it and its line).</exception>
    public static double Score(string predictionsPath, string truthPath)
    {
        var predictions = ReadSubmission(predictionsPath);
        var truth = IdentityCsv.Read(truthPath, images: null, requireIndividual: true);
        var rows = new List<IReadOnlyList<string>>();
        for (int i = 0; i < truth.Count; i++)
        {
            if (!predictions.TryGetValue(truth[i].Image, out var row))
                throw new InvalidDataException($"{predictionsPath} has no prediction for \"{truth[i].Image}\" (row {i + 1} of {truthPath}).");
            rows.Add(row);
        }
        return IdentityRanking.MapAtK(rows, truth.Select(t => t.Individual!).ToArray(), 5);
    }

    /// <summary>The baseline's image side: 32² × 3 = 3,072 dimensions (a larger side only adds pixel noise, and 64² × 3 exceeds the index's 8,192).</summary>
    public const int BaselineSize = 32;

    /// <summary>
    /// The non-learned baseline: each image's normalized pixels at <paramref name="size"/>², centred on their own mean,
    /// as an L2-normalized embedding, searched and ranked exactly as the model's embeddings are.
    /// </summary>
    public static (string[][] Labels, float[][] Scores) RawPixelRanking(IReadOnlyList<IdentityRecord> train, IReadOnlyList<IdentityRecord> test, string images,
        int size = BaselineSize, CancellationToken cancellationToken = default)
    {
        float[] Embed(IReadOnlyList<IdentityRecord> records)
        {
            var decoded = IdentityImage.LoadAll(records.Select(r => Path.Combine(images, r.Image)).ToArray(), size, IdentityResize.Stretch, cancellationToken);
            int d = 3 * size * size;
            var result = new float[records.Count * d];
            for (int i = 0; i < records.Count; i++)
            {
                var row = result.AsSpan(i * d, d);
                IdentityImage.Normalize(decoded[i], row);
                float mean = 0;
                foreach (float v in row)
                    mean += v;
                mean /= d;
                foreach (ref float v in row)
                    v -= mean;
            }
            CosineIndex.NormalizeL2(result, d);
            return result;
        }
        using var ranker = new IdentityRanker(Embed(train), 3 * size * size, train.Select(r => r.Individual!).ToArray());
        return ranker.Rank(Embed(test));
    }

    /// <summary>Each individual's species (its first row's), or null when the CSV has none.</summary>
    public static Dictionary<string, string>? SpeciesOf(IReadOnlyList<IdentityRecord> train) =>
        train.Any(r => r.Species is not null)
            ? train.Where(r => r.Species is not null).GroupBy(r => r.Individual!).ToDictionary(g => g.Key, g => g.First().Species!)
            : null;

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class RunningTotal(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    private static float[] Concatenate(List<float[]> parts, int rows)
    {
        if (parts.Count == 1)
            return parts[0];
        int[] widths = parts.Select(p => rows == 0 ? 0 : p.Length / rows).ToArray();
        int dimension = widths.Sum();
        float scale = 1f / MathF.Sqrt(parts.Count);
        var result = new float[rows * dimension];
        for (int r = 0; r < rows; r++)
        {
            int at = r * dimension;
            for (int m = 0; m < parts.Count; m++)
            {
                for (int j = 0; j < widths[m]; j++)
                    result[at + j] = parts[m][r * widths[m] + j] * scale;
                at += widths[m];
            }
        }
        return result;
    }
}
