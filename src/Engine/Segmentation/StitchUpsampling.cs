namespace Engine.Segmentation;

/// <summary>How a low-resolution prediction is brought to full resolution (PyTorch's <c>F.interpolate</c> modes).</summary>
public enum StitchUpsampling
{
    /// <summary><c>mode='bilinear'</c>, with <see cref="StitchOptions.AlignCorners"/>.</summary>
    Bilinear,

    /// <summary><c>mode='nearest'</c> (PyTorch's legacy nearest: source index ⌊dst · (1/f)⌋ in float32).</summary>
    Nearest,
}
