using Engine.Kernels.Segmentation;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Segmentation;

public static partial class FBeta
{
    private static ConfusionCounts CountKernel(ComputeContext compute, ReadOnlySpan<byte> predicted, ReadOnlySpan<byte> truth,
        ReadOnlySpan<byte> mask)
    {
        using var launch = compute.BeginLaunch();
        var predictedBuffer = launch.Upload(predicted);
        var truthBuffer = launch.Upload(truth);
        var maskBuffer = launch.Upload(mask);
        var countsBuffer = launch.Allocate<ConfusionCounts>(1);
        countsBuffer.MemSetToZero();
        var kernel = launch.Kernel(FBetaKernel.Count, a => a.LoadStreamKernel<ArrayView<byte>, ArrayView<byte>, ArrayView<byte>, int, ArrayView<ConfusionCounts>>(FBetaKernel.Count));
        kernel(ComputeContext.GridStride(predicted.Length),
            predictedBuffer.View.SubView(0, predicted.Length), truthBuffer.View, maskBuffer.View,
            mask.IsEmpty ? 0 : 1, countsBuffer.View);
        launch.Accelerator.Synchronize();
        var counts = default(ConfusionCounts);
        launch.Download(countsBuffer.View, new Span<ConfusionCounts>(ref counts));
        return counts;
    }
}
