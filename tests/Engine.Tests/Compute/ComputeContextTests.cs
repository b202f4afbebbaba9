using Engine.Compute;
using Engine.Kernels.Segmentation;
using Engine.Segmentation;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Engine.Tests.Compute;

public class ComputeContextTests
{
    [Fact]
    public void Auto_picks_cuda_only_when_a_device_is_present()
    {
        using var compute = new ComputeContext(ComputeBackend.Auto);
        Assert.Equal(ComputeContext.IsCudaAvailable() ? ComputeBackend.Cuda : ComputeBackend.Cpu, compute.Backend);
    }

    [Fact]
    public void The_driver_probe_says_no_only_where_ilgpu_finds_no_device()
    {
        using var cuda = Context.Create(b => b.Cuda());
        bool ilgpuFindsOne = cuda.GetCudaDevices().Count > 0;
        if (ilgpuFindsOne)
            Assert.True(ComputeContext.CudaDriverLoads());
        Assert.Equal(ilgpuFindsOne, ComputeContext.IsCudaAvailable());
    }

    [Fact]
    public void Cuda_without_a_device_is_a_clear_error()
    {
        if (ComputeContext.IsCudaAvailable())
        {
            using var cuda = new ComputeContext(ComputeBackend.Cuda);
            Assert.Equal(ComputeBackend.Cuda, cuda.Backend);
            return;
        }
        var error = Assert.Throws<NotSupportedException>(() => new ComputeContext(ComputeBackend.Cuda));
        Assert.Contains("no CUDA device", error.Message);
    }

    [Fact]
    public void The_cpu_backend_has_no_accelerator()
    {
        using var compute = new ComputeContext(ComputeBackend.Cpu);
        Assert.False(compute.UsesKernels);
        Assert.Contains("CPU SIMD", compute.Description);
        Assert.Throws<InvalidOperationException>(() => compute.Accelerator);
    }

    [Fact]
    public void An_undefined_backend_is_an_error() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ComputeContext((ComputeBackend)42));
}

[Collection(IlgpuCpuCollection.Name)]
public class ComputeContextKernelTests(IlgpuCpuFixture fixture)
{
    [Fact]
    public void The_ilgpu_cpu_backend_emulates_a_cuda_shaped_device()
    {
        var compute = fixture.Compute;
        Assert.True(compute.UsesKernels);
        Assert.Equal(ComputeBackend.IlgpuCpu, compute.Backend);
        Assert.Equal(32, compute.Accelerator.WarpSize);
        Assert.True(compute.Accelerator.MaxNumThreadsPerGroup >= 1024);
    }

    [Fact]
    public void A_kernel_compiles_once_per_context()
    {
        int loads = 0;
        Action<KernelConfig, ArrayView<float>, ArrayView<byte>, int, float, ArrayView<byte>, ArrayView<long>> Load(Accelerator a)
        {
            loads++;
            return a.LoadStreamKernel<ArrayView<float>, ArrayView<byte>, int, float, ArrayView<byte>, ArrayView<long>>(ThresholdKernel.Apply);
        }
        var first = fixture.Compute.Kernel(ThresholdKernel.Apply, Load);
        var second = fixture.Compute.Kernel(ThresholdKernel.Apply, Load);
        Assert.Same(first, second);
        Assert.True(loads <= 1);
    }

    [Fact]
    public void One_context_serves_several_threads()
    {
        var random = new Random(11);
        var values = Enumerable.Range(0, 2000).Select(_ => (float)random.NextDouble()).ToArray();
        double expected = Quantile.Compute(values, 0.75);
        var results = new double[4];
        Parallel.For(0, results.Length, i => results[i] = Quantile.Compute(values, 0.75, compute: fixture.Compute));
        Assert.All(results, r => Assert.Equal(expected, r));
    }

    [Fact]
    public void A_disposed_context_refuses_work()
    {
        var compute = new ComputeContext(ComputeBackend.IlgpuCpu);
        compute.Dispose();
        compute.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Quantile.Compute(new[] { 1f, 2f }, 0.5, compute: compute));
    }
}
