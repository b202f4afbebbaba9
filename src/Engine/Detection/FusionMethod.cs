namespace Engine.Detection;

/// <summary>The box-ensembling operations <see cref="CocoFusion"/> can run.</summary>
public enum FusionMethod
{
    /// <summary><see cref="WeightedBoxesFusion"/>.</summary>
    Wbf,

    /// <summary><see cref="NonMaximumWeighted"/>.</summary>
    Nmw,

    /// <summary><see cref="Nms"/>.</summary>
    Nms,

    /// <summary><see cref="SoftNms"/>, linear decay.</summary>
    SoftNmsLinear,

    /// <summary><see cref="SoftNms"/>, Gaussian decay.</summary>
    SoftNmsGaussian,
}
