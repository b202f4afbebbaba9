namespace Engine.Torch.Identity;

/// <summary>How <see cref="IdentityTrainer"/> trains: model, input, head, validation split, and the shared schedule and seed.</summary>
public sealed record IdentityTrainerOptions : TrainerOptions
{
    /// <summary>The defaults: 30 epochs, a peak learning rate of 3e-3, weight decay 1e-4.</summary>
    public IdentityTrainerOptions() : base(epochs: 30, learningRate: 3e-3, weightDecay: 1e-4)
    {
    }

    /// <summary>The embedding net's shape.</summary>
    public IdentityModelConfig Model { get; init; } = new();

    /// <summary>The model's input side in pixels.</summary>
    public int Size { get; init; } = 64;

    /// <summary>How photos become squares.</summary>
    public IdentityResize Resize { get; init; } = IdentityResize.Stretch;

    /// <summary>ArcFace's scale s.</summary>
    public double Scale { get; init; } = 30;

    /// <summary>Margin of the commonest class (radians).</summary>
    public double MarginMin { get; init; } = 0.20;

    /// <summary>Margin of the rarest class (radians).</summary>
    public double MarginMax { get; init; } = 0.50;

    /// <summary>λ of the adaptive margins' n^(−λ).</summary>
    public double MarginLambda { get; init; } = 0.25;

    /// <summary>ArcFace sub-centres per class (1: plain ArcFace).</summary>
    public int SubCenters { get; init; } = 1;

    /// <summary>Fraction of the individuals held out whole (their images become new_individual queries).</summary>
    public double HoldOutIndividuals { get; init; } = 0.1;

    /// <summary>Fraction of the other individuals' images held out as queries (never an individual's only training image).</summary>
    public double HoldOutImages { get; init; } = 0.1;

    /// <summary>The augmentations.</summary>
    public IdentityAugmentationOptions Augmentation { get; init; } = new();

    /// <summary>What a NaN/Inf loss or embedding does: stop (default) or skip the step.</summary>
    public bool SkipNonFinite { get; init; }

    /// <summary>Checks every field.</summary>
    /// <exception cref="ArgumentException">A field is out of range; the message names it.</exception>
    public void Validate()
    {
        Model.Validate();
        if (Size is < 16 or > 1024)
            throw new ArgumentException($"size {Size} is outside 16 … 1024.", nameof(Size));
        if (Size >> Model.Widths.Length < 1)
            throw new ArgumentException($"size {Size} is too small for {Model.Widths.Length} stride-2 stages.", nameof(Size));
        if (Epochs is < 1 or > 10_000)
            throw new ArgumentException($"epochs {Epochs} is outside 1 … 10000.", nameof(Epochs));
        if (BatchSize is < 2 or > 4096)
            throw new ArgumentException($"batch size {BatchSize} is outside 2 … 4096 (batch norm needs two images).", nameof(BatchSize));
        if (!(LearningRate > 0 && LearningRate < 10))
            throw new ArgumentException($"learning rate {LearningRate} is outside (0, 10).", nameof(LearningRate));
        if (!(Warmup >= 0 && Warmup < 1) || !(FinalLearningRate >= 0 && FinalLearningRate <= 1) || !(EmaDecay >= 0 && EmaDecay < 1) || !(WeightDecay >= 0))
            throw new ArgumentException("warm-up must be in [0, 1), final learning rate in [0, 1], EMA decay in [0, 1), weight decay ≥ 0.", nameof(Warmup));
        if (!(Scale > 0) || SubCenters is < 1 or > 16)
            throw new ArgumentException($"scale {Scale} must be positive and sub-centres {SubCenters} within 1 … 16.", nameof(Scale));
        _ = AdaptiveMargins.FromCounts([1, 2], MarginMin, MarginMax, MarginLambda);
        if (!(HoldOutIndividuals >= 0 && HoldOutIndividuals < 1) || !(HoldOutImages >= 0 && HoldOutImages < 1))
            throw new ArgumentException($"hold-out fractions must be in [0, 1); got individuals {HoldOutIndividuals}, images {HoldOutImages}.", nameof(HoldOutIndividuals));
    }
}
