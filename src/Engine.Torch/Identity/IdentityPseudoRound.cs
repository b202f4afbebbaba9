using System.Text.Json.Serialization;

namespace Engine.Torch.Identity;

/// <summary>One pseudo-label round: test images added, the retrained model's validation MAP@5, and whether the round was kept.</summary>
/// <param name="Round">1, 2, …</param>
/// <param name="Added">Test images that joined training under their predicted individual.</param>
/// <param name="ValidMap">The retrained model's validation MAP@5 (the same split as the first model's).</param>
/// <param name="Kept">False when <paramref name="ValidMap"/> fell below the best so far: the round's model is not used and the rounds stop.</param>
/// <param name="Model">The retrained model's directory.</param>
/// <param name="Prediction">The prediction with the retrained model.</param>
public sealed record IdentityPseudoRound(int Round, int Added, double ValidMap, bool Kept, string Model,
    [property: JsonIgnore] IdentityPrediction Prediction);
