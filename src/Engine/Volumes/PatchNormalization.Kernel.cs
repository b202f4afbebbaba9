using Engine.Kernels.Volumes;
using ILGPU;
using ILGPU.Runtime;

namespace Engine.Volumes;

/// <summary>The kernel path: a batch of patches goes to the device once, one group normalizes each patch, and the batch comes back.</summary>
public static partial class PatchNormalization
{
    private static void NormalizeKernel<T>(ComputeContext compute, ReadOnlySpan<T> patches, int patchLength, float divisor, Span<float> output)
        where T : unmanaged
    {
        int count = patches.Length / patchLength;
        using var launch = compute.BeginLaunch();
        var input = launch.Upload(patches);
        var result = launch.Allocate<float>(Math.Max(patches.Length, 1));
        var config = new KernelConfig(count, PatchNormalizationKernel.GroupSize);
        if (typeof(T) == typeof(float))
        {
            var kernel = launch.Kernel(PatchNormalizationKernel.NormalizeFloat,
                a => a.LoadStreamKernel<ArrayView<float>, int, ArrayView<float>>(PatchNormalizationKernel.NormalizeFloat));
            kernel(config, ((MemoryBuffer1D<float, Stride1D.Dense>)(object)input).View, patchLength, result.View);
        }
        else
        {
            var kernel = launch.Kernel(PatchNormalizationKernel.NormalizeUInt16,
                a => a.LoadStreamKernel<ArrayView<ushort>, int, float, ArrayView<float>>(PatchNormalizationKernel.NormalizeUInt16));
            kernel(config, ((MemoryBuffer1D<ushort, Stride1D.Dense>)(object)input).View, patchLength, divisor, result.View);
        }
        launch.Download(result.View, output);
    }
}
