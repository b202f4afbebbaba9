namespace Engine.Compute;

/// <summary>Where an operation runs. Chosen once, when a <see cref="ComputeContext"/> is created.</summary>
public enum ComputeBackend
{
    /// <summary>CUDA when an NVIDIA device and driver are present, otherwise <see cref="Cpu"/>.</summary>
    Auto,

    /// <summary>The CPU SIMD path (Vector128/256/512, multi-threaded). Needs no ILGPU context.</summary>
    Cpu,

    /// <summary>
    /// The ILGPU kernels on ILGPU's CPU accelerator, an emulator of a CUDA-like device (warp 32, groups up to
    /// 1024 threads). Thousands of times slower than <see cref="Cpu"/>: for tests that exercise the GPU code.
    /// </summary>
    IlgpuCpu,

    /// <summary>The ILGPU kernels on the first CUDA device. Fails at creation when none is present.</summary>
    Cuda,
}
