namespace Engine.Volumes;

/// <summary>How <see cref="VolumeTiler"/> scales sample values before any normalization.</summary>
public enum TileScale
{
    /// <summary>Values as stored (0..65535 for uint16 scans).</summary>
    Raw,

    /// <summary>Divided by 65535 in float32, as <c>x.astype(np.float32) / 65535.0</c>.</summary>
    Divide65535,

    /// <summary>Divided by 255 in float32.</summary>
    Divide255,
}
