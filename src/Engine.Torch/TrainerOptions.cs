namespace Engine.Torch;

/// <summary>
/// The settings <see cref="Identity.IdentityTrainer"/> and <see cref="Ink.InkTrainer"/> share: the epochs, the batch,
/// AdamW with a linear warm-up and a cosine decay, the weights' moving average and the seed. Each trainer's options
/// add their own and give their own epochs, learning rate and weight decay.
/// </summary>
public abstract record TrainerOptions
{
    /// <summary>Sets the defaults that differ between the trainers.</summary>
    /// <param name="epochs">The default <see cref="Epochs"/>.</param>
    /// <param name="learningRate">The default <see cref="LearningRate"/>.</param>
    /// <param name="weightDecay">The default <see cref="WeightDecay"/>.</param>
    protected TrainerOptions(int epochs, double learningRate, double weightDecay)
    {
        Epochs = epochs;
        LearningRate = learningRate;
        WeightDecay = weightDecay;
    }

    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; }

    /// <summary>Images or tiles per optimizer step.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>AdamW's peak learning rate.</summary>
    public double LearningRate { get; init; }

    /// <summary>AdamW's decoupled weight decay.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Fraction of all steps spent warming the learning rate up linearly from 0.</summary>
    public double Warmup { get; init; } = 0.1;

    /// <summary>The cosine schedule ends at this fraction of the peak learning rate.</summary>
    public double FinalLearningRate { get; init; } = 0.02;

    /// <summary>
    /// Decay of the exponential moving average of the weights that are validated and saved (ramped up as
    /// min(decay, (1 + t) / (10 + t)) over the first steps).
    /// </summary>
    public double EmaDecay { get; init; } = 0.99;

    /// <summary>Seeds libtorch's generator (the initial weights) and every random choice of the trainer: the split, the order, the augmentations.</summary>
    public int Seed { get; init; } = 1;
}
