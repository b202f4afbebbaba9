namespace Engine.Ensembling;

/// <summary>One candidate of a weight search: the weights (summing to 1) and the metric's value.</summary>
public sealed record WeightCandidate(double[] Weights, double Score);
