namespace Engine.Torch.Identity;

/// <summary>
/// Adaptive ArcFace margins (the Google Landmark 2020 winners' recipe, used by the Happywhale winners): rarer
/// individuals get larger margins. For a class seen n times,
/// <c>m(n) = m_min + (m_max − m_min) · (n^(−λ) − n_max^(−λ)) / (n_min^(−λ) − n_max^(−λ))</c>,
/// n_min and n_max the smallest and largest counts: the rarest class gets m_max, the commonest m_min. Defaults
/// m_min = 0.20, m_max = 0.50, λ = 0.25. When every class has the same count, all get m_max.
/// </summary>
public static class AdaptiveMargins
{
    /// <summary>Per-class margins in radians from per-class image counts.</summary>
    /// <exception cref="ArgumentException">A count is below 1, there are none, or the margins are not 0 ≤ min ≤ max &lt; π/2.</exception>
    public static float[] FromCounts(IReadOnlyList<int> counts, double min = 0.20, double max = 0.50, double lambda = 0.25)
    {
        if (counts.Count == 0)
            throw new ArgumentException("No classes.", nameof(counts));
        if (!(min >= 0 && min <= max && max < Math.PI / 2))
            throw new ArgumentException($"margins must satisfy 0 ≤ min ≤ max < π/2; got min {min}, max {max}.", nameof(min));
        if (!(lambda > 0))
            throw new ArgumentException($"λ {lambda} must be positive.", nameof(lambda));
        if (counts.Any(c => c < 1))
            throw new ArgumentException("Every class needs a count of at least 1.", nameof(counts));
        double low = Math.Pow(counts.Max(), -lambda), high = Math.Pow(counts.Min(), -lambda);
        return counts.Select(n => high == low ? (float)max : (float)(min + (max - min) * (Math.Pow(n, -lambda) - low) / (high - low))).ToArray();
    }
}
