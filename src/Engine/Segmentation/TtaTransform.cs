namespace Engine.Segmentation;

/// <summary>A flip or rotation of the spatial (last two) axes, as <c>torch.flip</c> / <c>torch.rot90(x, k, dims=(-2, -1))</c> do it.</summary>
public enum TtaTransform
{
    /// <summary>Unchanged.</summary>
    Identity,

    /// <summary>Left–right mirror: <c>flip(-1)</c>.</summary>
    FlipHorizontal,

    /// <summary>Top–bottom mirror: <c>flip(-2)</c>.</summary>
    FlipVertical,

    /// <summary>A quarter turn counter-clockwise: <c>rot90(k=1)</c>; out[i, j] = in[j, w − 1 − i].</summary>
    Rotate90,

    /// <summary>A half turn: <c>rot90(k=2)</c>.</summary>
    Rotate180,

    /// <summary>Three quarter turns counter-clockwise (one clockwise): <c>rot90(k=3)</c>.</summary>
    Rotate270,
}
