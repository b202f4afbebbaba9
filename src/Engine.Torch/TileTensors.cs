namespace Engine.Torch;

/// <summary>One batch of tiles as TorchSharp tensors; dispose it (or use a dispose scope) when the step is done.</summary>
/// <param name="Images">float32 (B, C, H, W), or (B, G, C / G, H, W) when the loader groups channels.</param>
/// <param name="Origins">int32 (B, 2): the (y, x) origin of each tile in the slice, for stitching predictions back.</param>
public sealed record TileTensors(Tensor Images, Tensor Origins) : IDisposable
{
    /// <summary>Disposes both tensors.</summary>
    public void Dispose()
    {
        Images.Dispose();
        Origins.Dispose();
    }
}
