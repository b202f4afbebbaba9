using Engine.Kernels.Segmentation;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Segmentation;

/// <summary>
/// The kernel path: the accumulators live on the device from the first batch to <see cref="Finish(Span{float}, ReadOnlySpan{byte})"/>;
/// a batch moves only its predictions and window placements there, and the sums come back once, when the map is finished.
/// </summary>
public sealed partial class SlidingWindowStitcher
{
    private MemoryBuffer1D<float, Stride1D.Dense>? _deviceSum;
    private MemoryBuffer1D<float, Stride1D.Dense>? _deviceCount;

    /// <summary>The upsampling axes and the weight map, the same for every batch: uploaded with the accumulators.</summary>
    private MemoryBuffer1D<int, Stride1D.Dense>? _deviceAxisIndex;
    private MemoryBuffer1D<float, Stride1D.Dense>? _deviceAxisWeights;
    private MemoryBuffer1D<float, Stride1D.Dense>? _deviceWeights;

    private void AccumulateKernel(ComputeContext compute, ReadOnlySpan<float> predictions, StitchWindow[] windows, int n)
    {
        var (top, bottom) = RowsTouched(windows, n);
        if (bottom <= top)
            return;
        int p = _windowHeight, q = _windowWidth;
        int mode = _rows.Factor == 1 ? SlidingWindowStitcherKernel.Copy
            : _rows.Bilinear ? SlidingWindowStitcherKernel.Bilinear : SlidingWindowStitcherKernel.Nearest;
        int[] shape = [n, TileHeight, TileWidth, p, q, mode, top, bottom - top, _accWidth];
        int from = top * _accWidth, length = (bottom - top) * _accWidth;
        using var launch = compute.BeginLaunch();
        if (_deviceSum is null)
        {
            // The host accumulators hold zeros, or what an earlier Finish brought back: the device resumes from them.
            _deviceSum = Resident<float>(launch, _sum);
            _deviceCount = Resident<float>(launch, _count);
            _deviceAxisIndex = Resident<int>(launch, [.. _rows.I0, .. _rows.I1, .. _cols.I0, .. _cols.I1]);
            _deviceAxisWeights = Resident<float>(launch, [.. _rows.L0, .. _rows.L1, .. _cols.L0, .. _cols.L1]);
            _deviceWeights = Resident<float>(launch, _weights ?? StitchWeights.Constant(p, q));
        }
        var tiles = launch.Upload(predictions);
        var windowBuffer = launch.Upload<StitchWindow>(windows);
        var shapeBuffer = launch.Upload<int>(shape);
        var kernel = launch.Kernel(SlidingWindowStitcherKernel.Accumulate, a => a.LoadStreamKernel<ArrayView<float>, ArrayView<StitchWindow>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(SlidingWindowStitcherKernel.Accumulate));
        kernel(ComputeContext.GridStride(length), tiles.View, windowBuffer.View,
            shapeBuffer.View, _deviceAxisIndex!.View, _deviceAxisWeights!.View, _deviceWeights!.View,
            _deviceSum.View.SubView(from, length), _deviceCount!.View.SubView(from, length));
        // The batch's buffers are freed when the launch ends: the kernel must be done with them.
        launch.Accelerator.Synchronize();
    }

    private static MemoryBuffer1D<T, Stride1D.Dense> Resident<T>(KernelLaunch launch, ReadOnlySpan<T> data) where T : unmanaged
    {
        var buffer = launch.AllocateResident<T>(Math.Max(data.Length, 1));
        launch.Upload(data, buffer.View);
        return buffer;
    }

    /// <summary>Brings the device's accumulators back to the host ones and frees the device memory (a later batch uploads them again).</summary>
    private void DownloadAccumulators()
    {
        if (_deviceSum is null || _compute is null)
            return;
        using var launch = _compute.BeginLaunch();
        launch.Download(_deviceSum.View, _sum.AsSpan());
        launch.Download(_deviceCount!.View, _count.AsSpan());
        _deviceSum.Dispose();
        _deviceCount.Dispose();
        _deviceAxisIndex!.Dispose();
        _deviceAxisWeights!.Dispose();
        _deviceWeights!.Dispose();
        (_deviceSum, _deviceCount, _deviceAxisIndex, _deviceAxisWeights, _deviceWeights) = (null, null, null, null, null);
    }
}
