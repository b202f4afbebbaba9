using Engine.Torch.Ink;
using Engine.Volumes;

namespace Engine.Torch.Tests.Ink;

/// <summary>A small synthetic fragment written once per test class, and training options that fit it.</summary>
public sealed class TinyFragment : IDisposable
{
    private readonly InkTestFolder _folder = new();

    public TinyFragment()
    {
        Directory = _folder.Sub("fragment");
        SyntheticFragment.Write(Directory, new SyntheticFragmentOptions { Width = 320, Height = 256, Slices = 16, Seed = 3, InkSlices = new SliceRange(6, 9), InkContrast = 5000 });
    }

    public string Directory { get; }

    /// <summary>A scratch directory for one test.</summary>
    public string Scratch(string name) => _folder.Sub(name + "-" + Guid.NewGuid().ToString("N"));

    /// <summary>A tiny net over slices 4..11 in 64 px tiles: steps of a few milliseconds.</summary>
    public static InkTrainerOptions Options => new()
    {
        Model = new InkModelConfig { Groups = 2, ChannelsPerGroup = 4, Widths = [8, 8, 12, 12, 16], NeckChannels = 8, Blocks3d = 1 },
        Input = new InkInput { Slices = new SliceRange(4, 11), Tile = 64 },
        Epochs = 3,
        StepsPerEpoch = 6,
        BatchSize = 8,
        TrainStride = 32,
        ValidStride = 32,
        LearningRate = 3e-3,
        Folds = 4,
        Fold = 3,
        Seed = 11,
    };

    public void Dispose() => _folder.Dispose();
}
