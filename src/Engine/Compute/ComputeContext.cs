using System.Collections.Concurrent;
using System.Reflection;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Engine.Compute;

/// <summary>
/// The one place that picks a backend and owns its ILGPU context, accelerator and compiled kernels.
/// Create it once, pass it to the operations that should run on it, dispose it at the end.
/// Thread-safe to share: kernels compile once per context, and launches on the accelerator are serialized.
/// </summary>
/// <example>
/// <code>
/// using var compute = new ComputeContext(ComputeBackend.Auto);
/// double threshold = Quantile.Compute(probabilities, 0.93, mask, compute: compute);
/// </code>
/// </example>
public sealed class ComputeContext : IDisposable
{
    private readonly Context? _context;
    private readonly Accelerator? _accelerator;
    private readonly ConcurrentDictionary<MethodInfo, Lazy<Delegate>> _kernels = new();
    private readonly Lock _launchGate = new();
    private long _bytesUploaded;
    private long _bytesDownloaded;
    private bool _disposed;

    /// <summary>Creates the context for <paramref name="backend"/>, resolving <see cref="ComputeBackend.Auto"/>.</summary>
    /// <exception cref="NotSupportedException"><paramref name="backend"/> is <see cref="ComputeBackend.Cuda"/> and no CUDA device is present.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="backend"/> is not a defined value.</exception>
    public ComputeContext(ComputeBackend backend = ComputeBackend.Auto)
    {
        switch (backend)
        {
            case ComputeBackend.Cpu:
                break;
            case ComputeBackend.IlgpuCpu:
                // The Nvidia flavour emulates warp 32 and groups up to 1024 threads, so the kernels run with the
                // same group shapes they get on CUDA; the default CPU device stops at 16 threads per group.
                _context = Context.Create(b => b.CPU(CPUDeviceKind.Nvidia).EnableAlgorithms());
                _accelerator = _context.CreateCPUAccelerator(0);
                break;
            case ComputeBackend.Cuda:
            case ComputeBackend.Auto:
                if (!CudaDriverLoads())
                {
                    if (backend == ComputeBackend.Cuda)
                        throw new NotSupportedException(NoCudaDevice);
                    backend = ComputeBackend.Cpu;
                    break;
                }
                var cuda = Context.Create(b => b.Cuda().EnableAlgorithms());
                if (cuda.GetCudaDevices().Count > 0)
                {
                    _context = cuda;
                    _accelerator = cuda.CreateCudaAccelerator(0);
                    backend = ComputeBackend.Cuda;
                    break;
                }
                cuda.Dispose();
                if (backend == ComputeBackend.Cuda)
                    throw new NotSupportedException(NoCudaDevice);
                backend = ComputeBackend.Cpu;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(backend), backend, "Unknown compute backend.");
        }
        Backend = backend;
    }

    private const string NoCudaDevice = "ComputeBackend.Cuda was requested but no CUDA device was found (is the NVIDIA driver installed?). Use ComputeBackend.Auto to fall back to the CPU.";

    /// <summary>
    /// False when the CUDA driver library cannot be loaded, so no CUDA device can be found. Creating an ILGPU
    /// context to ask costs about 0.1 s of CPU (half of a short command's run); on Linux this asks the way
    /// ILGPU's own binding does (the library "cuda", probed from ILGPU's assembly) and skips the context when it
    /// is absent. Elsewhere it answers true and ILGPU decides.
    /// </summary>
    internal static bool CudaDriverLoads()
    {
        if (!OperatingSystem.IsLinux())
            return true;
        if (!NativeLibrary.TryLoad("cuda", typeof(Context).Assembly, null, out nint driver))
            return false;
        NativeLibrary.Free(driver);
        return true;
    }

    /// <summary>The backend in use; never <see cref="ComputeBackend.Auto"/>.</summary>
    public ComputeBackend Backend { get; }

    /// <summary>True when operations run ILGPU kernels (<see cref="ComputeBackend.IlgpuCpu"/> or <see cref="ComputeBackend.Cuda"/>).</summary>
    public bool UsesKernels => _accelerator is not null;

    /// <summary>A one-line description of the device, for logs and benchmark reports.</summary>
    public string Description => Backend switch
    {
        ComputeBackend.Cuda => $"CUDA: {_accelerator!.Name} ({_accelerator.MemorySize >> 20} MiB, {_accelerator.NumMultiprocessors} multiprocessors)",
        ComputeBackend.IlgpuCpu => $"ILGPU CPU emulator (warp {_accelerator!.WarpSize}, {_accelerator.NumMultiprocessors} threads)",
        _ => $"CPU SIMD ({Environment.ProcessorCount} threads, {VectorWidthBits}-bit vectors)",
    };

    /// <summary>The widest hardware-accelerated vector width of this CPU in bits (512, 256, 128 or 0).</summary>
    public static int VectorWidthBits =>
        Vector512.IsHardwareAccelerated ? 512 :
        Vector256.IsHardwareAccelerated ? 256 :
        Vector128.IsHardwareAccelerated ? 128 : 0;

    /// <summary>True when a CUDA device is present, i.e. <see cref="ComputeBackend.Auto"/> would pick CUDA.</summary>
    public static bool IsCudaAvailable()
    {
        if (!CudaDriverLoads())
            return false;
        using var cuda = Context.Create(b => b.Cuda());
        return cuda.GetCudaDevices().Count > 0;
    }

    /// <summary>True once <see cref="Dispose"/> has run.</summary>
    internal bool IsDisposed => _disposed;

    /// <summary>The accelerator; only valid when <see cref="UsesKernels"/>.</summary>
    internal Accelerator Accelerator
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _accelerator ?? throw new InvalidOperationException("The CPU SIMD backend has no ILGPU accelerator.");
        }
    }

    /// <summary>
    /// Held around every sequence of allocations, launches and copies on <see cref="Accelerator"/>: ILGPU's
    /// default stream is not safe to drive from several threads at once.
    /// </summary>
    internal Lock LaunchGate => _launchGate;

    /// <summary>
    /// Starts a sequence of uploads, launches and downloads on <see cref="Accelerator"/>, holding
    /// <see cref="LaunchGate"/> until it is disposed. Every operation's launch code goes through one.
    /// </summary>
    /// <exception cref="InvalidOperationException">This context has no accelerator (<see cref="ComputeBackend.Cpu"/>).</exception>
    /// <exception cref="ObjectDisposedException">This context is disposed.</exception>
    internal KernelLaunch BeginLaunch() => new(this);

    /// <summary>Bytes copied from the host to the device through <see cref="KernelLaunch"/> since the context was created.</summary>
    internal long BytesUploaded => Interlocked.Read(ref _bytesUploaded);

    /// <summary>Bytes copied from the device to the host through <see cref="KernelLaunch"/> since the context was created.</summary>
    internal long BytesDownloaded => Interlocked.Read(ref _bytesDownloaded);

    internal void CountUpload(long bytes) => Interlocked.Add(ref _bytesUploaded, bytes);

    internal void CountDownload(long bytes) => Interlocked.Add(ref _bytesDownloaded, bytes);

    /// <summary>Returns the launcher of <paramref name="kernel"/>, compiling it on first use only.</summary>
    internal TLauncher Kernel<TLauncher>(Delegate kernel, Func<Accelerator, TLauncher> load) where TLauncher : Delegate
    {
        var accelerator = Accelerator;
        var cached = _kernels.GetOrAdd(kernel.Method, _ => new Lazy<Delegate>(() => load(accelerator)));
        return (TLauncher)cached.Value;
    }

    /// <summary>
    /// The launch shape of a grid-stride kernel over <paramref name="length"/> elements: groups of
    /// <see cref="GridStrideGroupSize"/> threads, enough of them for <see cref="ElementsPerThread"/> elements a
    /// thread, at most <see cref="MaxGroups"/>.
    /// </summary>
    internal static KernelConfig GridStride(long length)
    {
        long perGroup = (long)GridStrideGroupSize * ElementsPerThread;
        return new KernelConfig((int)Math.Clamp((length + perGroup - 1) / perGroup, 1, MaxGroups), GridStrideGroupSize);
    }

    /// <summary>Threads per group of every grid-stride kernel (they read the group size from ILGPU, so any size works).</summary>
    private const int GridStrideGroupSize = 256;

    /// <summary>Elements each thread walks in a grid-stride loop; amortizes a group's final flush to global memory.</summary>
    private const int ElementsPerThread = 64;

    /// <summary>Enough groups to fill every multiprocessor of a large GPU several times over.</summary>
    private const int MaxGroups = 4096;

    /// <summary>Releases the accelerator and the ILGPU context, with every compiled kernel.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _kernels.Clear();
        _accelerator?.Dispose();
        _context?.Dispose();
    }
}
