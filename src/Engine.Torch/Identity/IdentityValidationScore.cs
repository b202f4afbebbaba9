using Engine.Search;

namespace Engine.Torch.Identity;

/// <summary>One epoch's validation: MAP@5 at the best global threshold and with per-species thresholds.</summary>
/// <param name="Map">MAP@5 at <paramref name="Threshold"/>.</param>
/// <param name="Threshold">The global new_individual threshold with the best MAP@5.</param>
/// <param name="SpeciesMap">MAP@5 with each species' own best threshold (equal to <paramref name="Map"/> without species).</param>
/// <param name="SpeciesThresholds">Each species' best threshold (empty without species).</param>
/// <param name="Queries">Validation images.</param>
/// <param name="NewQueries">Of them, images of held-out individuals (truth new_individual).</param>
public sealed record IdentityValidationScore(double Map, double Threshold, double SpeciesMap,
    IReadOnlyDictionary<string, double> SpeciesThresholds, int Queries, int NewQueries);
