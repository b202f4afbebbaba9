namespace Engine.Torch;

/// <summary>The shape of a net, saved with its weights; checked before the net is built from it.</summary>
public interface INetConfig
{
    /// <summary>Checks every field.</summary>
    /// <exception cref="ArgumentException">A field is out of range; the message names it.</exception>
    void Validate();
}

/// <summary>
/// A net built from an <see cref="INetConfig"/>: the config is checked and libtorch loaded before the derived net
/// makes its first layer, and the config is kept for saving.
/// </summary>
/// <typeparam name="TConfig">The config record.</typeparam>
public abstract class ConfiguredNet<TConfig> : nn.Module<Tensor, Tensor> where TConfig : class, INetConfig
{
    /// <summary>Checks <paramref name="config"/> and loads libtorch.</summary>
    /// <param name="name">The module's name.</param>
    /// <param name="config">The net's shape.</param>
    /// <exception cref="ArgumentException">A field of <paramref name="config"/> is out of range.</exception>
    protected ConfiguredNet(string name, TConfig config) : base(name)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        TorchRuntime.EnsureLoaded();
        Config = config;
    }

    /// <summary>The shape the net was built with.</summary>
    public TConfig Config { get; }
}
