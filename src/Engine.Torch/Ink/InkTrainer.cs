using System.Diagnostics;

namespace Engine.Torch.Ink;

/// <summary>
/// Trains an <see cref="InkModel"/> on fragments in the competition's layout, with the engine doing everything
/// around the model: tiles cut over each mask (<see cref="Volumes.TileGrid"/>, <see cref="Volumes.VolumeTiler"/>),
/// per-tile normalization (<see cref="Volumes.PatchNormalization"/>), labels brought to the 1/32 grid
/// (<see cref="LabelDownsampling"/>), validation maps stitched (<see cref="Segmentation.SlidingWindowStitcher"/>)
/// and thresholded at the best percentile (<see cref="Segmentation.BestPercentile"/>).
/// </summary>
/// <remarks>
/// Loss: BCE with label smoothing + a batch-level soft F-β loss. AdamW with linear warm-up and a cosine schedule.
/// An EMA of the weights is validated every epoch on the held-out strip and saved. Deterministic for a seed at a
/// fixed libtorch thread count. Every loss and every batch of predictions is checked for NaN/Inf (see
/// <see cref="InkTrainerOptions.OnNonFinite"/>).
/// </remarks>
public static class InkTrainer
{
    /// <summary>Trains on <paramref name="fragments"/> and writes the model directory.</summary>
    /// <param name="fragments">Fragment directories (surface_volume/, mask.png, inklabels.png).</param>
    /// <param name="outputDirectory">The model directory to write (created if needed); the last epoch's model goes to <c>last/</c> inside it. Nothing is written there until the run has finished (see <see cref="StagedModelDirectory"/>): a failed run leaves it as it was.</param>
    /// <param name="options">What to train and how.</param>
    /// <param name="progress">Receives a report after every step.</param>
    /// <param name="cancellationToken">Checked before every step and validation batch; a cancelled run publishes nothing.</param>
    /// <returns>The epochs' numbers, the losses, the best score and where the model is.</returns>
    /// <exception cref="ArgumentException">An option is out of range, the slices fall outside a volume, a mask and its labels or slices differ in size, or a fragment gives no training or validation tiles.</exception>
    /// <exception cref="DirectoryNotFoundException">A fragment directory or its surface_volume is missing.</exception>
    /// <exception cref="FileNotFoundException">A fragment's mask.png or inklabels.png is missing.</exception>
    /// <exception cref="InvalidDataException">A fragment's file is corrupt (the message names it).</exception>
    /// <exception cref="NotSupportedException">A volume holds float32 samples.</exception>
    /// <exception cref="NonFiniteValueException">A loss or prediction was NaN/Inf and the policy is to stop; the message names the epoch and step.</exception>
    /// <exception cref="IOException">The model directory cannot be written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static InkTrainingResult Train(IReadOnlyList<string> fragments, string outputDirectory, InkTrainerOptions options,
        IProgress<InkTrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Train(fragments, outputDirectory, options, progress, poison: null, cancellationToken);

    /// <summary>As the public overload; <paramref name="poison"/> makes the forward pass of the given steps (from 0) NaN, for tests.</summary>
    internal static InkTrainingResult Train(IReadOnlyList<string> fragments, string outputDirectory, InkTrainerOptions options,
        IProgress<InkTrainingProgress>? progress, Func<int, bool>? poison, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fragments);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        TorchRuntime.EnsureLoaded();
        var clock = Stopwatch.StartNew();
        var set = InkTileSet.Load(fragments, options);
        // Checkpoints go to a hidden folder next to the model directory and are published when the run is done.
        using var staged = new StagedModelDirectory(outputDirectory);
        var device = cuda.is_available() ? CUDA : CPU;

        manual_seed(options.Seed);
        var random = new Random(options.Seed);
        using var model = new InkModel(options.Model);
        model.to(device);
        using var ema = new ModelEma<InkModel>(model, new InkModel(model.Config), options.EmaDecay, device);
        using var optimizer = optim.AdamW(model.parameters(), options.LearningRate, weight_decay: options.WeightDecay);

        int batch = options.BatchSize;
        int stepsPerEpoch = options.StepsPerEpoch ?? Math.Max(1, (set.Train.Count + batch - 1) / batch);
        int totalSteps = options.Epochs * stepsPerEpoch;
        var order = new TileOrder(set.Train.Count, random);
        var stepLosses = new List<float>();
        var epochs = new List<InkEpoch>();
        bool validating = set.Valid.Count > 0;
        InkValidationScore? best = null;
        float[][]? bestMaps = null;
        int bestEpoch = 0, skipped = 0, step = 0;
        double trainSeconds = 0;

        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            var losses = new EpochLoss();
            double learningRate = 0;
            for (int s = 0; s < stepsPerEpoch; s++, step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                learningRate = LearningRateSchedule.Set(optimizer, step, totalSteps, options.LearningRate, options.Warmup, options.FinalLearningRate);
                var tiles = order.Next(batch).Select(i => set.Train[i]).ToArray();
                float loss = Step(model, optimizer, set, tiles, options, random, device, poison?.Invoke(step) == true, epoch, s);
                stepLosses.Add(loss);
                if (losses.Add(loss))
                    ema.Update(step);
                progress?.Report(new InkTrainingProgress(epoch, options.Epochs, step + 1, totalSteps, losses.Mean, null));
            }
            skipped += losses.Skipped;
            double epochTrainSeconds = epochClock.Elapsed.TotalSeconds;
            trainSeconds += epochTrainSeconds;

            InkValidationScore? score = null;
            if (validating)
            {
                var maps = InkValidation.Predict(ema.Model, set, batch, epoch, options.Compute, cancellationToken);
                score = InkValidation.Score(maps, set, options.Beta);
                if (best is null || score.FBeta > best.FBeta)
                {
                    best = score;
                    bestMaps = maps;
                    bestEpoch = epoch;
                    Save(staged.Path, ema.Model, options, score, epoch, losses.Mean, set);
                }
            }
            var finished = new InkEpoch(epoch, losses.Mean,
                stepsPerEpoch * batch / epochTrainSeconds, epochClock.Elapsed.TotalSeconds, learningRate, losses.Skipped, score);
            epochs.Add(finished);
            progress?.Report(new InkTrainingProgress(epoch, options.Epochs, step, totalSteps, finished.Loss, finished));
        }

        var last = epochs[^1];
        Save(validating ? Path.Combine(staged.Path, "last") : staged.Path, ema.Model, options, last.Validation, last.Epoch, last.Loss, set);
        staged.Publish("last");
        if (!validating)
            bestEpoch = last.Epoch;
        return new InkTrainingResult(epochs, stepLosses, skipped, best, bestEpoch, outputDirectory, set.Train.Count, set.Valid.Count,
            clock.Elapsed.TotalSeconds, trainSeconds / totalSteps) { BestMaps = bestMaps };
    }

    /// <summary>One optimizer step; returns its loss, or NaN when the step was skipped.</summary>
    private static float Step(InkModel model, optim.Optimizer optimizer, InkTileSet set, InkTile[] tiles, InkTrainerOptions options,
        Random random, Device device, bool poisoned, int epoch, int step)
    {
        using var scope = NewDisposeScope();
        var augmentation = options.Augmentation;
        var (shifts, shuffle) = InkAugmentation.Depth(set, tiles.Length, augmentation, options.Model, random);
        var (images, labels) = InkBatch.Build(set, tiles, shifts, shuffle);
        (images, labels) = InkAugmentation.Apply(images, labels, augmentation, random);
        var targets = InkBatch.Targets(labels, options.Labels).to(device);
        images = images.to(device);

        // A non-finite forward pass may already have poisoned the batch-norm statistics: keep them to put back.
        var buffers = model.buffers().ToArray();
        var saved = options.OnNonFinite == InkNonFinitePolicy.Skip ? buffers.Select(b => b.clone()).ToArray() : null;
        model.train();
        optimizer.zero_grad();
        var loss = FiniteLoss.Of(model.forward(images), "the model's predictions are",
            logits => InkLoss.Compute(logits, targets, options.LabelSmoothing, options.FBetaLossWeight, options.Beta),
            poisoned, options.OnNonFinite == InkNonFinitePolicy.Skip, epoch, step);
        if (loss is null)
        {
            using (no_grad())
                for (int i = 0; i < buffers.Length; i++)
                    buffers[i].copy_(saved![i]);
            return float.NaN;
        }
        loss.backward();
        optimizer.step();
        return loss.item<float>();
    }

    private static void Save(string directory, InkModel model, InkTrainerOptions options, InkValidationScore? score, int epoch, double loss, InkTileSet set)
    {
        var metrics = new Dictionary<string, double>
        {
            ["epoch"] = epoch,
            ["loss"] = loss,
            ["trainTiles"] = set.Train.Count,
            ["validTiles"] = set.Valid.Count,
        };
        if (score is not null)
        {
            metrics["validFBeta"] = score.FBeta;
            metrics["validPrecision"] = score.Precision;
            metrics["validRecall"] = score.Recall;
            metrics[InkCheckpoint.ValidQuantileMetric] = score.Quantile;
            metrics["validThreshold"] = score.Threshold;
        }
        InkCheckpoint.Save(directory, model, options.Input, metrics, options);
    }

    /// <summary>Tile indices in a fresh random order each pass, handed out a batch at a time (every batch full).</summary>
    private sealed class TileOrder(int count, Random random)
    {
        private readonly int[] _order = Enumerable.Range(0, count).ToArray();
        private int _next = count;

        public int[] Next(int batch)
        {
            var chosen = new int[batch];
            for (int i = 0; i < batch; i++)
            {
                if (_next == _order.Length)
                {
                    random.Shuffle(_order);
                    _next = 0;
                }
                chosen[i] = _order[_next++];
            }
            return chosen;
        }
    }
}
