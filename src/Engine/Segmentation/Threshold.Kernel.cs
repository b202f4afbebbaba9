using Engine.Kernels.Segmentation;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Segmentation;

public static partial class Threshold
{
    private static long ApplyKernel(ComputeContext compute, ReadOnlySpan<float> values, float bound, Span<byte> ink,
        ReadOnlySpan<byte> mask)
    {
        using var launch = compute.BeginLaunch();
        var valuesBuffer = launch.Upload(values);
        var maskBuffer = launch.Upload(mask);
        var inkBuffer = launch.Allocate<byte>(Math.Max(values.Length, 1));
        var positives = launch.Allocate<long>(1);
        positives.MemSetToZero();
        var kernel = launch.Kernel(ThresholdKernel.Apply, a => a.LoadStreamKernel<ArrayView<float>, ArrayView<byte>, int, float, ArrayView<byte>, ArrayView<long>>(ThresholdKernel.Apply));
        kernel(ComputeContext.GridStride(values.Length),
            valuesBuffer.View.SubView(0, values.Length), maskBuffer.View, mask.IsEmpty ? 0 : 1, bound,
            inkBuffer.View.SubView(0, values.Length), positives.View);
        launch.Accelerator.Synchronize();
        launch.Download(inkBuffer.View, ink[..values.Length]);
        Span<long> count = stackalloc long[1];
        launch.Download(positives.View, count);
        return count[0];
    }
}
