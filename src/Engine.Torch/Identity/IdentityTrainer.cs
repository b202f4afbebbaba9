using System.Diagnostics;
using Engine.Torch.Ink;

namespace Engine.Torch.Identity;

/// <summary>
/// Trains an <see cref="IdentityNet"/> with an <see cref="ArcFaceHead"/> (adaptive margins from the class counts)
/// on an identity CSV and an image folder. Images are decoded and resized once (every core) and kept as bytes;
/// each step normalizes and augments a batch on libtorch. AdamW, linear warm-up then cosine; an EMA of the weights
/// is validated every epoch (embed the training images and the queries with flip TTA, rank with the engine's
/// cosine index, sweep the new_individual threshold globally and per species) and the last epoch's EMA weights
/// are saved with that epoch's thresholds. Deterministic for a seed at a fixed libtorch thread count; every loss
/// and embedding batch is checked for NaN/Inf.
/// </summary>
public static class IdentityTrainer
{
    /// <summary>Trains and writes the model directory.</summary>
    /// <param name="records">The labelled rows; the validation split is drawn from these alone.</param>
    /// <param name="images">The image folder.</param>
    /// <param name="outputDirectory">The model directory to write.</param>
    /// <param name="options">How to train.</param>
    /// <param name="progress">Receives every step and epoch.</param>
    /// <param name="pseudoLabelled">Pseudo-labelled rows (<see cref="IdentityPseudoLabels"/>): they join the training part
    /// after the split, so the validation queries stay those of <paramref name="records"/> and rounds compare on one
    /// split; a row labelled with an individual the split holds out is dropped (it would leak that individual).</param>
    /// <exception cref="ArgumentException">An option is out of range, or the split leaves fewer than two individuals to train on.</exception>
    /// <exception cref="InvalidDataException">The CSV or an image is malformed (the message names it).</exception>
    /// <param name="cancellationToken">Checked while the images load, before every step and every validation batch; the
    /// model directory is written only after the last epoch (atomically), so a cancelled run leaves none.</param>
    /// <exception cref="NonFiniteValueException">A loss or embedding was NaN/Inf and the policy is to stop.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static IdentityTrainingResult Train(IReadOnlyList<IdentityRecord> records, string images, string outputDirectory,
        IdentityTrainerOptions options, IProgress<IdentityTrainingProgress>? progress = null, IReadOnlyList<IdentityRecord>? pseudoLabelled = null,
        CancellationToken cancellationToken = default) =>
        Train(records, images, outputDirectory, options, progress, poison: null, pseudoLabelled, cancellationToken);

    internal static IdentityTrainingResult Train(IReadOnlyList<IdentityRecord> records, string images, string outputDirectory,
        IdentityTrainerOptions options, IProgress<IdentityTrainingProgress>? progress, Func<int, bool>? poison,
        IReadOnlyList<IdentityRecord>? pseudoLabelled = null, CancellationToken cancellationToken = default)
    {
        pseudoLabelled ??= [];
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (records.Any(r => r.Individual is null))
            throw new ArgumentException("Every training row needs an individual_id.", nameof(records));
        TorchRuntime.EnsureLoaded();
        var clock = Stopwatch.StartNew();
        var split = IdentitySplit.Create(records, options.HoldOutIndividuals, options.HoldOutImages, options.Seed);
        var trained = split.Train.Select(r => r.Individual!).ToHashSet(StringComparer.Ordinal);
        var gallery = split.Train.Concat(pseudoLabelled.Where(r => trained.Contains(r.Individual!))).ToArray();
        var classNames = trained.Order(StringComparer.Ordinal).ToArray();
        if (classNames.Length < 2)
            throw new ArgumentException($"Training needs at least two individuals after the hold-out; {classNames.Length} remain of {records.Count} rows.");
        var classOf = classNames.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i, StringComparer.Ordinal);
        var labels = gallery.Select(r => (long)classOf[r.Individual!]).ToArray();
        var counts = new int[classNames.Length];
        foreach (long l in labels)
            counts[l]++;

        var trainImages = IdentityImage.LoadAll(gallery.Select(r => Path.Combine(images, r.Image)).ToArray(), options.Size, options.Resize, cancellationToken);
        var queryImages = IdentityImage.LoadAll(split.Queries.Select(r => Path.Combine(images, r.Image)).ToArray(), options.Size, options.Resize, cancellationToken);
        double loadSeconds = clock.Elapsed.TotalSeconds;

        manual_seed(options.Seed);
        var random = new Random(options.Seed);
        using var net = new IdentityNet(options.Model);
        using var head = new ArcFaceHead(options.Model.EmbeddingSize,
            AdaptiveMargins.FromCounts(counts, options.MarginMin, options.MarginMax, options.MarginLambda), options.Scale, options.SubCenters);
        using var ema = new ModelEma<IdentityNet>(net, new IdentityNet(net.Config), options.EmaDecay);
        using var optimizer = optim.AdamW(net.parameters().Concat(head.parameters()), options.LearningRate, weight_decay: options.WeightDecay);

        int batch = Math.Min(options.BatchSize, Math.Max(2, trainImages.Length));
        int stepsPerEpoch = Math.Max(1, trainImages.Length / batch);
        int totalSteps = options.Epochs * stepsPerEpoch;
        var order = Enumerable.Range(0, trainImages.Length).ToArray();
        var epochs = new List<IdentityEpoch>();
        var stepLosses = new List<float>();
        int step = 0, skipped = 0;
        IdentityValidationScore? score = null;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            random.Shuffle(order);
            var losses = new EpochLoss();
            double learningRate = 0;
            for (int s = 0; s < stepsPerEpoch; s++, step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                learningRate = LearningRateSchedule.Set(optimizer, step, totalSteps, options.LearningRate, options.Warmup, options.FinalLearningRate);
                var chosen = order.AsSpan(s * batch, batch).ToArray();
                float loss = Step(net, head, optimizer, trainImages, labels, chosen, options, random, poison?.Invoke(step) == true, epoch, s);
                stepLosses.Add(loss);
                if (losses.Add(loss))
                    ema.Update(step);
                progress?.Report(new IdentityTrainingProgress(epoch, options.Epochs, step + 1, totalSteps, losses.Mean, null));
            }
            skipped += losses.Skipped;
            RecalibrateBatchNorm(ema.Model, trainImages, options.Size, order);
            score = split.Queries.Count > 0 ? Validate(ema.Model, trainImages, gallery, queryImages, split, options, cancellationToken) : null;
            var finished = new IdentityEpoch(epoch, losses.Mean, learningRate, epochClock.Elapsed.TotalSeconds, losses.Skipped, score);
            epochs.Add(finished);
            progress?.Report(new IdentityTrainingProgress(epoch, options.Epochs, step, totalSteps, finished.Loss, score, EpochDone: true));
        }

        var metrics = new Dictionary<string, double>
        {
            ["epochs"] = options.Epochs,
            ["loss"] = epochs[^1].Loss,
            ["trainImages"] = trainImages.Length,
            ["classes"] = classNames.Length,
            ["validQueries"] = split.Queries.Count,
        };
        if (score is not null)
        {
            metrics["validMap5"] = score.Map;
            metrics["validMap5PerSpecies"] = score.SpeciesMap;
            metrics["validNewQueries"] = score.NewQueries;
        }
        new IdentityCheckpoint(options.Model, options.Size, options.Resize, score?.Threshold ?? DefaultThreshold,
            score?.SpeciesThresholds ?? new Dictionary<string, double>(), metrics).Save(outputDirectory, ema.Model, options);
        return new IdentityTrainingResult(epochs, stepLosses, skipped, outputDirectory, trainImages.Length, classNames.Length,
            split.Queries.Count, clock.Elapsed.TotalSeconds, loadSeconds);
    }

    /// <summary>The threshold a model trained without a validation split gets (one Happywhale solution's tuned value).</summary>
    public const double DefaultThreshold = 0.5;

    /// <summary>Images the batch-norm statistics are re-estimated from (the first ones of the shuffled order; more changes them little).</summary>
    private const int RecalibrationImages = 2048;

    /// <summary>
    /// "Precise BN": the embedding's identity signal is small beside the features' common part, so batch-norm running
    /// statistics that lag the moving weights (momentum 0.1), or that belong to the raw weights rather than their EMA,
    /// collapse every eval-mode embedding into one narrow cone (measured: mean cosine 0.99 between random images).
    /// The statistics are reset and re-estimated as a plain average over un-augmented training images with the
    /// weights that will be used.
    /// </summary>
    internal static void RecalibrateBatchNorm(IdentityNet net, byte[][] images, int size, int[] order)
    {
        var norms = net.modules().OfType<TorchSharp.Modules.BatchNorm>().ToArray();
        var momenta = norms.Select(n => n.momentum).ToArray();
        foreach (var norm in norms)
        {
            norm.reset_running_stats();
            norm.momentum = null;
        }
        net.train();
        int values = 3 * size * size, count = Math.Min(order.Length, RecalibrationImages);
        const int batch = 64;
        using (no_grad())
        {
            for (int start = 0; start + 1 < count; start += batch)
            {
                using var scope = NewDisposeScope();
                int n = Math.Min(batch, count - start);
                if (n < 2)
                    break;
                var data = new float[n * values];
                for (int i = 0; i < n; i++)
                    IdentityImage.Normalize(images[order[start + i]], data.AsSpan(i * values, values));
                net.forward(tensor(data, [n, 3, size, size]));
            }
        }
        for (int i = 0; i < norms.Length; i++)
            norms[i].momentum = momenta[i];
        net.eval();
    }

    internal static IdentityValidationScore Validate(IdentityNet model, byte[][] trainImages, IReadOnlyList<IdentityRecord> trainRecords,
        byte[][] queryImages, IdentitySplit split, IdentityTrainerOptions options, CancellationToken cancellationToken = default)
    {
        var gallery = IdentityEmbedding.EmbedAll(model, trainImages, options.Size, 64, flipTta: true, cancellationToken);
        var queries = IdentityEmbedding.EmbedAll(model, queryImages, options.Size, 64, flipTta: true, cancellationToken);
        using var ranker = new IdentityRanker(gallery, options.Model.EmbeddingSize, trainRecords.Select(r => r.Individual!).ToArray());
        var (labels, scores) = ranker.Rank(queries);
        return split.Score(labels, scores);
    }

    private static float Step(IdentityNet net, ArcFaceHead head, optim.Optimizer optimizer, byte[][] images, long[] labels, int[] chosen,
        IdentityTrainerOptions options, Random random, bool poisoned, int epoch, int step)
    {
        using var scope = NewDisposeScope();
        int size = options.Size, values = 3 * size * size;
        var data = new float[chosen.Length * values];
        for (int i = 0; i < chosen.Length; i++)
            IdentityImage.Normalize(images[chosen[i]], data.AsSpan(i * values, values));
        var batch = IdentityAugmentation.Apply(tensor(data, [chosen.Length, 3, size, size]), options.Augmentation, random);
        var target = tensor(chosen.Select(i => labels[i]).ToArray());
        net.train();
        head.train();
        optimizer.zero_grad();
        var loss = FiniteLoss.Of(net.forward(batch), "the embeddings are",
            embeddings => nn.functional.cross_entropy(head.forward(embeddings, target), target),
            poisoned, options.SkipNonFinite, epoch, step);
        if (loss is null)
            return float.NaN;
        loss.backward();
        optimizer.step();
        return loss.item<float>();
    }
}
