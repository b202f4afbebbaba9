using Engine.Compute;

namespace Engine.Tests.Compute;

/// <summary>
/// One ILGPU CPU-accelerator context for every kernel test, so each kernel compiles once per test run
/// (≈1.5 s a kernel). Its tests run one after another: the emulator already uses every core.
/// </summary>
public sealed class IlgpuCpuFixture : IDisposable
{
    public ComputeContext Compute { get; } = new(ComputeBackend.IlgpuCpu);

    public void Dispose() => Compute.Dispose();
}

[CollectionDefinition(Name)]
public sealed class IlgpuCpuCollection : ICollectionFixture<IlgpuCpuFixture>
{
    public const string Name = "ILGPU CPU accelerator";
}
