namespace Engine.Ensembling;

/// <summary>The best weights found and every candidate tried, in the order they were enumerated.</summary>
public sealed record WeightSearchResult(WeightCandidate Best, IReadOnlyList<WeightCandidate> Candidates);
