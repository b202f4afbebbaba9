namespace Engine.Torch.Ink;

/// <summary>How <see cref="InkTrainer"/> trains: model, tiles, loss, augmentations, folds, and the shared schedule and seed.</summary>
public sealed record InkTrainerOptions : TrainerOptions
{
    /// <summary>The defaults: 16 epochs, a peak learning rate of 2e-3, weight decay 1e-2.</summary>
    public InkTrainerOptions() : base(epochs: 16, learningRate: 2e-3, weightDecay: 1e-2)
    {
    }

    /// <summary>The net's widths and depths.</summary>
    public InkModelConfig Model { get; init; } = new();

    /// <summary>How tiles are cut (slices, tile size, scaling, normalization); saved with the model.</summary>
    public InkInput Input { get; init; } = new();

    /// <summary>Optimizer steps per epoch; null for one pass over the training tiles.</summary>
    public int? StepsPerEpoch { get; init; }

    /// <summary>Step between training tile origins in pixels.</summary>
    public int TrainStride { get; init; } = 32;

    /// <summary>Step between validation tile origins in pixels (the stitched validation map averages the overlaps).</summary>
    public int ValidStride { get; init; } = 32;

    /// <summary>BCE targets become y·(1 − s) + s/2.</summary>
    public double LabelSmoothing { get; init; } = 0.05;

    /// <summary>Weight of the batch-level soft F-β loss (1 − soft F-β) added to the BCE.</summary>
    public double FBetaLossWeight { get; init; } = 0.5;

    /// <summary>β of the soft F-β loss and of the validation score (0.5: the competition's F0.5).</summary>
    public double Beta { get; init; } = 0.5;

    /// <summary>How labels are brought to the 1/32 grid.</summary>
    public InkLabelMode Labels { get; init; } = InkLabelMode.Area;

    /// <summary>Vertical strips each fragment is split into for group k-fold validation; 1 for no validation.</summary>
    public int Folds { get; init; } = 4;

    /// <summary>The strip held out for validation, 0 … Folds − 1 (the last is the right-most strip); tiles overlapping it are not trained on.</summary>
    public int Fold { get; init; } = 3;

    /// <summary>Augmentations applied to training tiles.</summary>
    public InkAugmentationOptions Augmentation { get; init; } = new();

    /// <summary>What a NaN or infinite loss or prediction does.</summary>
    public InkNonFinitePolicy OnNonFinite { get; init; } = InkNonFinitePolicy.Stop;

    /// <summary>
    /// Where validation normalizes its tiles and stitches its maps: null or a CPU context runs the SIMD paths, a
    /// kernel backend the ILGPU kernels (the same maps). A machine's choice, not the model's: not saved with it.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Engine.Compute.ComputeContext? Compute { get; init; }

    /// <summary>
    /// Settings measured to learn the default 65 × 1,024 × 1,024 <see cref="SyntheticFragment"/> in a few minutes
    /// on two CPU cores, holding out its right quarter (docs/performance.md has the numbers).
    /// </summary>
    public static InkTrainerOptions Demo => new();

    /// <summary>The columns [From, To) of a fragment <paramref name="width"/> pixels wide that validation holds out (fold <see cref="Fold"/> of <see cref="Folds"/> vertical strips); (width, width) without validation.</summary>
    /// <param name="width">The fragment's width in pixels.</param>
    /// <returns>The held-out columns.</returns>
    public (int From, int To) ValidationColumns(int width) => Folds > 1
        ? ((int)((long)Fold * width / Folds), (int)((long)(Fold + 1) * width / Folds))
        : (width, width);

    /// <summary>Checks every field, naming the first that is out of range.</summary>
    /// <exception cref="ArgumentException">A field is out of range; the message names it and its value.</exception>
    public void Validate()
    {
        Model.Validate();
        Input.Validate(Model);
        Require(Epochs >= 1, $"epochs is {Epochs}; it must be at least 1.");
        Require(StepsPerEpoch is null or >= 1, $"stepsPerEpoch is {StepsPerEpoch}; it must be at least 1.");
        Require(BatchSize >= 1, $"batchSize is {BatchSize}; it must be at least 1.");
        Require(TrainStride >= 1 && ValidStride >= 1, $"the strides ({TrainStride}, {ValidStride}) must be at least 1.");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), $"learningRate is {LearningRate}; it must be positive.");
        Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), $"weightDecay is {WeightDecay}; it must be 0 or more.");
        Require(Warmup is >= 0 and < 1, $"warmup is {Warmup}; it is a fraction of the steps in [0, 1).");
        Require(FinalLearningRate is >= 0 and <= 1, $"finalLearningRate is {FinalLearningRate}; it is a fraction of the peak in [0, 1].");
        Require(EmaDecay is >= 0 and < 1, $"emaDecay is {EmaDecay}; it must be in [0, 1).");
        Require(LabelSmoothing is >= 0 and < 1, $"labelSmoothing is {LabelSmoothing}; it must be in [0, 1).");
        Require(FBetaLossWeight >= 0 && double.IsFinite(FBetaLossWeight), $"fBetaLossWeight is {FBetaLossWeight}; it must be 0 or more.");
        Require(Beta > 0 && double.IsFinite(Beta), $"beta is {Beta}; it must be positive.");
        Require(Enum.IsDefined(Labels), $"labels is {Labels}, not bilinear or area.");
        Require(Enum.IsDefined(OnNonFinite), $"onNonFinite is {OnNonFinite}, not stop or skip.");
        Require(Folds >= 1, $"folds is {Folds}; it must be at least 1.");
        Require(Folds == 1 || (Fold >= 0 && Fold < Folds), $"fold is {Fold}; with {Folds} folds it must be 0 … {Folds - 1}.");
        var a = Augmentation;
        Require(a.ZShift >= 0, $"augmentation.zShift is {a.ZShift}; it must be 0 or more.");
        foreach (var (name, p) in new[] { ("affine", a.Affine), ("channelShuffle", a.ChannelShuffle), ("cutout", a.Cutout), ("brightnessContrast", a.BrightnessContrast) })
            Require(p is >= 0 and <= 1, $"augmentation.{name} is {p}; a probability is in [0, 1].");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
            throw new ArgumentException($"InkTrainerOptions: {message}");
    }
}
