namespace Engine.Detection;

/// <summary>Every model's detections on one image, with optional per-model weights.</summary>
/// <param name="Models">One entry per model of the ensemble.</param>
/// <param name="Weights">One weight per model, or null for ensemble-boxes' <c>weights=None</c>.</param>
public sealed record ImagePredictions(IReadOnlyList<ModelPredictions> Models, double[]? Weights = null);
