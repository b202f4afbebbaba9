namespace Engine.Torch.Ink;

/// <summary>
/// What <see cref="InkInference"/> and the trainer's validation need of a model: a batch of normalized tiles in,
/// ink probabilities at 1/32 of the tile out. <see cref="TorchInkEnsemble"/> (TorchSharp checkpoints, averaged)
/// is the default; anything else that predicts ink (an ONNX session, a fixed function in a GPU check) fits here.
/// </summary>
public interface IInkPredictor
{
    /// <summary>Names the predictor in error messages, e.g. "model 0".</summary>
    string Name { get; }

    /// <summary>Where the predictions run, e.g. cpu or cuda.</summary>
    string Device { get; }

    /// <summary>Seconds spent in the models' forward passes so far: what the engine's share of the wall time leaves out.</summary>
    double ModelSeconds { get; }

    /// <summary>Predicts the probability of ink (after the sigmoid, in [0, 1]) of every 32 × 32 cell of each tile.</summary>
    /// <param name="tiles">count × C × T × T float32, row-major, normalized as the plan's <see cref="InkInput"/> says.</param>
    /// <param name="count">Tiles in the batch.</param>
    /// <param name="firstWindow">The batch's first tile's index in the run (test-time augmentation that alternates per window uses it).</param>
    /// <param name="probabilities">Receives count × (T / 32) × (T / 32) values.</param>
    /// <exception cref="ArgumentException">The model's output does not have the shape of <paramref name="probabilities"/>.</exception>
    void Predict(ReadOnlySpan<float> tiles, int count, long firstWindow, Span<float> probabilities);
}
