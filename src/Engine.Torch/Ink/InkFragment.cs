namespace Engine.Torch.Ink;

/// <summary>One fragment as training sees it: its size, mask, labels and the validation strip.</summary>
/// <param name="Directory">The fragment directory.</param>
/// <param name="Width">Slice width.</param>
/// <param name="Height">Slice height.</param>
/// <param name="Labels">inklabels.png, 0/1.</param>
/// <param name="Scored">1 where the mask and the validation strip overlap: the pixels validation scores; all 0 without validation.</param>
internal sealed record InkFragment(string Directory, int Width, int Height, byte[] Labels, byte[] Scored);
