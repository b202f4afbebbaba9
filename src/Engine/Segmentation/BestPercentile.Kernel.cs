using Engine.Kernels.Segmentation;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Segmentation;

public static partial class BestPercentile
{
    private static void CountKernel(ComputeContext compute, ReadOnlySpan<float> values, ReadOnlySpan<byte> truth,
        ReadOnlySpan<byte> mask, float[] bounds, long[] histograms)
    {
        using var launch = compute.BeginLaunch();
        var valuesBuffer = launch.Upload(values);
        var truthBuffer = launch.Upload(truth);
        var maskBuffer = launch.Upload(mask);
        var boundsBuffer = launch.Upload<float>(bounds);
        var histogramBuffer = launch.Allocate<long>(histograms.Length);
        histogramBuffer.MemSetToZero();
        var kernel = launch.Kernel(BestPercentileKernel.Count, a => a.LoadStreamKernel<ArrayView<float>, ArrayView<byte>, ArrayView<byte>, int, ArrayView<float>, int, ArrayView<long>>(BestPercentileKernel.Count));
        kernel(ComputeContext.GridStride(values.Length),
            valuesBuffer.View.SubView(0, values.Length), truthBuffer.View, maskBuffer.View, mask.IsEmpty ? 0 : 1,
            boundsBuffer.View, bounds.Length, histogramBuffer.View);
        launch.Accelerator.Synchronize();
        launch.Download(histogramBuffer.View, histograms);
    }
}
