namespace Engine.Volumes;

/// <summary>The sample types a volume's slices may hold.</summary>
public enum VolumeSampleType
{
    /// <summary>8-bit unsigned integers.</summary>
    UInt8,

    /// <summary>16-bit unsigned integers, as X-ray scans are stored.</summary>
    UInt16,

    /// <summary>32-bit IEEE floats.</summary>
    Float32,
}
