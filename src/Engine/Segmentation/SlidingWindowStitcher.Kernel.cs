using Engine.Compute;
using Engine.Kernels.Segmentation;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Segmentation;

/// <summary>The kernel path: the accumulator rows a batch touches go to the device, are accumulated there, and come back.</summary>
public sealed partial class SlidingWindowStitcher
{
    private void AccumulateKernel(ComputeContext compute, ReadOnlySpan<float> predictions, int[] windows, int n)
    {
        var (top, bottom) = RowsTouched(windows, n);
        if (bottom <= top)
            return;
        int p = _windowHeight, q = _windowWidth;
        int mode = _rows.Factor == 1 ? SlidingWindowStitcherKernel.Copy
            : _rows.Bilinear ? SlidingWindowStitcherKernel.Bilinear : SlidingWindowStitcherKernel.Nearest;
        int[] shape = [n, TileHeight, TileWidth, p, q, mode, top, bottom - top, _accWidth];
        int[] axisIndex = [.. _rows.I0, .. _rows.I1, .. _cols.I0, .. _cols.I1];
        float[] axisWeights = [.. _rows.L0, .. _rows.L1, .. _cols.L0, .. _cols.L1];
        var weights = _weights ?? StitchWeights.Constant(p, q);
        int from = top * _accWidth, length = (bottom - top) * _accWidth;
        lock (compute.LaunchGate)
        {
            using var tiles = compute.Upload(predictions);
            using var windowBuffer = compute.Upload<int>(windows);
            using var shapeBuffer = compute.Upload<int>(shape);
            using var indexBuffer = compute.Upload<int>(axisIndex);
            using var weightBuffer = compute.Upload<float>(axisWeights);
            using var mapBuffer = compute.Upload<float>(weights);
            using var sum = compute.Upload<float>(_sum.AsSpan(from, length));
            using var count = compute.Upload<float>(_count.AsSpan(from, length));
            var kernel = compute.Kernel(SlidingWindowStitcherKernel.Accumulate, a => a.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(SlidingWindowStitcherKernel.Accumulate));
            kernel(ComputeContext.GridStride(length, SlidingWindowStitcherKernel.GroupSize), tiles.View, windowBuffer.View,
                shapeBuffer.View, indexBuffer.View, weightBuffer.View, mapBuffer.View, sum.View, count.View);
            compute.Accelerator.Synchronize();
            ArrayViewExtensions.CopyToCPU(sum.View.BaseView.SubView(0, length), _sum.AsSpan(from, length));
            ArrayViewExtensions.CopyToCPU(count.View.BaseView.SubView(0, length), _count.AsSpan(from, length));
        }
    }
}
