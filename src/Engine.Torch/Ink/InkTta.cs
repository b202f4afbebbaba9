namespace Engine.Torch.Ink;

/// <summary>Test-time augmentation of <see cref="InkInference"/>.</summary>
public enum InkTta
{
    /// <summary>Each window once, as it is.</summary>
    None,

    /// <summary>Each window as it is and flipped left-right and up-down, the three predictions averaged (3 × the model's work).</summary>
    Flips,

    /// <summary>One of the same three per window in turn (window i gets transform i mod 3): the overlap of the windows does the averaging, at no extra model work.</summary>
    Distributed,
}
