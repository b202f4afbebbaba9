namespace Engine.IO;

/// <summary>The element types of the .npy files Engine reads, each named after numpy's type.</summary>
public enum NpyDtype
{
    /// <summary><c>&lt;f4</c>, numpy.float32.</summary>
    Float32,

    /// <summary><c>&lt;f8</c>, numpy.float64.</summary>
    Float64,

    /// <summary><c>&lt;i4</c>, numpy.int32.</summary>
    Int32,

    /// <summary><c>&lt;i8</c>, numpy.int64.</summary>
    Int64,

    /// <summary><c>|u1</c>, numpy.uint8.</summary>
    UInt8,

    /// <summary><c>|b1</c>, numpy.bool_: one byte per element, non-zero meaning true.</summary>
    Bool,

    /// <summary><c>&lt;u2</c>, numpy.uint16.</summary>
    UInt16,

    /// <summary><c>&lt;f2</c>, numpy.float16.</summary>
    Float16,
}
