namespace Engine.Torch.Identity;

/// <summary>How a photo is brought to the model's square input.</summary>
public enum IdentityResize
{
    /// <summary>The whole photo stretched to size × size (what most Happywhale solutions did with their crops).</summary>
    Stretch,

    /// <summary>The centred square of the photo's shorter side, scaled to size × size.</summary>
    CenterCrop,
}
