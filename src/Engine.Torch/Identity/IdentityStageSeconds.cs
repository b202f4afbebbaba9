namespace Engine.Torch.Identity;

/// <summary>Seconds per stage of a prediction.</summary>
/// <param name="Load">Models loaded (libtorch's start-up included).</param>
/// <param name="Decode">Decoding, resizing and normalizing, summed over the loader's threads (overlaps the model).</param>
/// <param name="Wait">The model thread waiting for the loader: the part of decoding the model did not hide.</param>
/// <param name="Model">Forward passes (flip TTA included).</param>
/// <param name="Search">Indexing the training embeddings and the cosine top-k of distinct individuals.</param>
/// <param name="Ranking">new_individual insertion.</param>
/// <param name="Write">The submission CSV.</param>
/// <param name="Total">Wall time of the whole prediction.</param>
public sealed record IdentityStageSeconds(double Load, double Decode, double Wait, double Model, double Search, double Ranking, double Write, double Total)
{
    /// <summary>The engine's share of the wall time: waiting on decoding, search, ranking and writing over the total.</summary>
    public double EngineShare => Total > 0 ? (Wait + Search + Ranking + Write) / Total : 0;
}
