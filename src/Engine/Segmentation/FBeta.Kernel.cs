using Engine.Kernels.Segmentation;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Segmentation;

public static partial class FBeta
{
    private static void CountKernel(ComputeContext compute, ReadOnlySpan<byte> predicted, ReadOnlySpan<byte> truth,
        ReadOnlySpan<byte> mask, Span<long> counts)
    {
        using var launch = compute.BeginLaunch();
        var predictedBuffer = launch.Upload(predicted);
        var truthBuffer = launch.Upload(truth);
        var maskBuffer = launch.Upload(mask);
        var countsBuffer = launch.Allocate<long>(FBetaKernel.CountsLength);
        countsBuffer.MemSetToZero();
        var kernel = launch.Kernel(FBetaKernel.Count, a => a.LoadStreamKernel<ArrayView<byte>, ArrayView<byte>, ArrayView<byte>, int, ArrayView<long>>(FBetaKernel.Count));
        kernel(ComputeContext.GridStride(predicted.Length),
            predictedBuffer.View.SubView(0, predicted.Length), truthBuffer.View, maskBuffer.View,
            mask.IsEmpty ? 0 : 1, countsBuffer.View);
        launch.Accelerator.Synchronize();
        launch.Download(countsBuffer.View, counts[..FBetaKernel.CountsLength]);
    }
}
