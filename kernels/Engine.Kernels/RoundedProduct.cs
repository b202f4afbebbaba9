using ILGPU.Runtime.Cuda;

namespace Engine.Kernels;

/// <summary>
/// Products rounded on their own, for kernels that promise the CPU path's bits. PTX's plain <c>mul</c> followed by
/// an <c>add</c> may be contracted into a fused multiply-add by the CUDA assembler, which rounds once instead of
/// twice (.NET never fuses); the PTX ISA never contracts an instruction with an explicit rounding modifier, so on
/// CUDA the product is emitted as <c>mul.rn</c>. Elsewhere (the CPU accelerator) it is the plain product.
/// </summary>
internal static class RoundedProduct
{
    public static float Of(float p, float q)
    {
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit("mul.rn.f32 %0, %1, %2;", out float product, p, q);
            return product;
        }
        return p * q;
    }

    public static double Of(double p, double q)
    {
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit("mul.rn.f64 %0, %1, %2;", out double product, p, q);
            return product;
        }
        return p * q;
    }
}
