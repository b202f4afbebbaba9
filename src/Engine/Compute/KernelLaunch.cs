using ILGPU;
using ILGPU.Runtime;

namespace Engine.Compute;

/// <summary>
/// One sequence of allocations, kernel launches and copies on a <see cref="ComputeContext"/>'s accelerator. It holds
/// the context's launch lock from <see cref="ComputeContext.BeginLaunch"/> to <see cref="Dispose"/> (ILGPU's default
/// stream is not safe to drive from several threads at once), frees the buffers it handed out at the end, and counts
/// every byte it copies between host and device in <see cref="ComputeContext.BytesUploaded"/> and
/// <see cref="ComputeContext.BytesDownloaded"/>. Dispose it on the thread that began it (the lock is thread-affine:
/// no <c>await</c> inside a launch).
/// </summary>
/// <example>
/// Host-side launch code of operation X lives in <c>X.Kernel.cs</c>:
/// <code>
/// using var launch = compute.BeginLaunch();
/// var values = launch.Upload(input);
/// var result = launch.Allocate&lt;float&gt;(input.Length);
/// var kernel = launch.Kernel(XKernel.Apply, a => a.LoadStreamKernel&lt;ArrayView&lt;float&gt;, ArrayView&lt;float&gt;&gt;(XKernel.Apply));
/// kernel(ComputeContext.GridStride(input.Length), values.View, result.View);
/// launch.Download(result.View, output);
/// </code>
/// </example>
internal sealed class KernelLaunch : IDisposable
{
    private readonly ComputeContext _compute;
    private readonly List<MemoryBuffer> _buffers = [];
    private bool _disposed;

    internal KernelLaunch(ComputeContext compute)
    {
        var accelerator = compute.Accelerator;
        compute.LaunchGate.Enter();
        _compute = compute;
        Accelerator = accelerator;
    }

    /// <summary>The accelerator, for what the helpers below do not cover (device-to-device copies, memsets).</summary>
    public Accelerator Accelerator { get; }

    /// <summary>
    /// Returns the launcher of <paramref name="kernel"/>, compiled on the context's first request only.
    /// <paramref name="load"/> is typically <c>a => a.LoadStreamKernel&lt;…&gt;(kernel)</c>.
    /// </summary>
    public TLauncher Kernel<TLauncher>(Delegate kernel, Func<Accelerator, TLauncher> load) where TLauncher : Delegate =>
        _compute.Kernel(kernel, load);

    /// <summary>
    /// Copies <paramref name="data"/> to a new device buffer that lives until the launch ends. An empty span still
    /// gets a one-element buffer: a kernel parameter must be a real view even when the kernel never reads it.
    /// </summary>
    public MemoryBuffer1D<T, Stride1D.Dense> Upload<T>(ReadOnlySpan<T> data) where T : unmanaged
    {
        var buffer = Allocate<T>(Math.Max(data.Length, 1));
        Upload(data, buffer.View);
        return buffer;
    }

    /// <summary>A device buffer of <paramref name="length"/> elements (contents undefined) that lives until the launch ends.</summary>
    public MemoryBuffer1D<T, Stride1D.Dense> Allocate<T>(long length) where T : unmanaged
    {
        var buffer = Accelerator.Allocate1D<T>(length);
        _buffers.Add(buffer);
        return buffer;
    }

    /// <summary>
    /// A device buffer of <paramref name="length"/> elements that outlives the launch: the caller disposes it (data
    /// kept on the device across calls, as an index's rows).
    /// </summary>
    public MemoryBuffer1D<T, Stride1D.Dense> AllocateResident<T>(long length) where T : unmanaged =>
        Accelerator.Allocate1D<T>(length);

    /// <summary>Copies <paramref name="source"/> from the host to the start of <paramref name="destination"/>.</summary>
    public void Upload<T>(ReadOnlySpan<T> source, ArrayView<T> destination) where T : unmanaged
    {
        if (source.IsEmpty)
            return;
        ArrayViewExtensions.CopyFromCPU(destination.SubView(0, source.Length), source);
        _compute.CountUpload((long)source.Length * Unsafe.SizeOf<T>());
    }

    /// <summary>Copies the start of <paramref name="source"/> to <paramref name="destination"/> on the host, after the launches before it.</summary>
    public void Download<T>(ArrayView<T> source, Span<T> destination) where T : unmanaged
    {
        if (destination.IsEmpty)
            return;
        Accelerator.Synchronize();
        ArrayViewExtensions.CopyToCPU(source.SubView(0, destination.Length), destination);
        _compute.CountDownload((long)destination.Length * Unsafe.SizeOf<T>());
    }

    /// <summary>Frees the buffers of this launch and releases the launch lock.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        foreach (var buffer in _buffers)
            buffer.Dispose();
        _compute.LaunchGate.Exit();
    }
}
