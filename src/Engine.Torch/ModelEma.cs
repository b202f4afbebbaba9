namespace Engine.Torch;

/// <summary>
/// An exponential moving average of a model's weights (decay 0.99 by default), kept in a second model that
/// validation and export use: it is smoother than the last step's weights. The decay ramps up as
/// min(decay, (1 + t) / (10 + t)) so the first steps' random weights fade quickly; batch-norm statistics are copied.
/// Shared by the ink and the identity trainers.
/// </summary>
/// <typeparam name="TModel">The model's type.</typeparam>
internal sealed class ModelEma<TModel> : IDisposable where TModel : nn.Module
{
    private readonly double _decay;
    private readonly TorchSharp.Modules.Parameter[] _source;
    private readonly TorchSharp.Modules.Parameter[] _target;
    private readonly Tensor[] _sourceBuffers;
    private readonly Tensor[] _targetBuffers;

    /// <param name="model">The model being trained.</param>
    /// <param name="copy">A fresh model of the same configuration, which becomes the average (owned from here on).</param>
    /// <param name="decay">The largest decay.</param>
    /// <param name="device">Where the average lives; null leaves it where <paramref name="copy"/> was made.</param>
    public ModelEma(TModel model, TModel copy, double decay, Device? device = null)
    {
        _decay = decay;
        Model = copy;
        if (device is not null)
            Model.to(device);
        Model.load_state_dict(model.state_dict());
        Model.eval();
        _source = model.parameters().ToArray();
        _target = Model.parameters().ToArray();
        _sourceBuffers = model.buffers().ToArray();
        _targetBuffers = Model.buffers().ToArray();
    }

    /// <summary>The averaged model, in eval mode.</summary>
    public TModel Model { get; }

    /// <summary>Moves the average towards the model's current weights after optimizer step <paramref name="step"/> (from 0).</summary>
    public void Update(int step)
    {
        double decay = Math.Min(_decay, (1.0 + step) / (10.0 + step));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        for (int i = 0; i < _source.Length; i++)
            _target[i].mul_(decay).add_(_source[i], alpha: 1 - decay);
        for (int i = 0; i < _sourceBuffers.Length; i++)
            _targetBuffers[i].copy_(_sourceBuffers[i]);
    }

    public void Dispose() => Model.Dispose();
}
