namespace Engine.Segmentation;

/// <summary>How test-time copies are assigned to windows.</summary>
public enum TtaPolicy
{
    /// <summary>Every window in every transform: N windows make N × T forward passes.</summary>
    Full,

    /// <summary>
    /// The 2nd-place ink-detection solution's scheme: window i gets transform i mod T only, so the transforms
    /// average through the windows' overlap at no extra forward passes.
    /// </summary>
    Distributed,
}
