namespace Engine.Detection;

/// <summary>Which score decay soft-NMS applies (ensemble-boxes' <c>method</c> 1, 2; 3 is plain NMS).</summary>
public enum SoftNmsMethod
{
    /// <summary>method=1: a box overlapping the selected one by IoU &gt; threshold keeps score × (1 − IoU).</summary>
    Linear = 1,
    /// <summary>method=2: every later box keeps score × exp(−IoU² / sigma).</summary>
    Gaussian = 2,
    /// <summary>method=3: plain NMS (<see cref="Nms"/>).</summary>
    Hard = 3,
}
