using System.Reflection;
using Engine.Kernels.Segmentation;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Engine.Tests.Compute;

/// <summary>
/// Compiles every kernel to PTX with no GPU present, so what only the CUDA backend rejects (unsupported
/// intrinsics, shared-memory misuse) fails here rather than on a GPU machine.
/// </summary>
public class PtxCompilationTests
{
    /// <summary>Every public static kernel entry point of Engine.Kernels: its parameters are ArrayViews and scalars.</summary>
    public static TheoryData<string> Kernels() => new(KernelMethods().Select(Name));

    internal static string Name(MethodInfo method) => $"{method.DeclaringType!.Name}.{method.Name}";

    internal static IEnumerable<MethodInfo> KernelMethods() =>
        typeof(QuantileKernel).Assembly.GetTypes()
            .Where(t => t.IsPublic && t.Name.EndsWith("Kernel", StringComparison.Ordinal))
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static))
            .Where(m => m.ReturnType == typeof(void)
                && m.GetParameters().Any(p => p.ParameterType.IsGenericType && p.ParameterType.GetGenericTypeDefinition() == typeof(ArrayView<>)));

    [Fact]
    public void The_kernels_are_found()
    {
        var names = KernelMethods().Select(Name).ToArray();
        Assert.Contains("QuantileKernel.HistogramFloat", names);
        Assert.Contains("ThresholdKernel.Apply", names);
        Assert.Contains("FBetaKernel.Count", names);
        Assert.Contains("BestPercentileKernel.Count", names);
        Assert.Contains("WeightedBoxesFusionKernel.Cluster", names);
        Assert.Contains("SlidingWindowStitcherKernel.Accumulate", names);
        Assert.Contains("PatchNormalizationKernel.NormalizeFloat", names);
        Assert.Contains("PatchNormalizationKernel.NormalizeUInt16", names);
        Assert.Contains("CosineTopKKernel.Search", names);
        Assert.Contains("CosineTopKKernel.MergeSlices", names);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Kernel_compiles_to_ptx(string name)
    {
        Assert.Contains(".entry", Ptx(name));
    }

    /// <summary>The PTX (sm_80) of the kernel named <c>Class.Method</c>.</summary>
    internal static string Ptx(string name)
    {
        var method = KernelMethods().Single(m => Name(m) == name);
        using var context = Context.Create(b => b.Cuda().EnableAlgorithms());
        var architecture = CudaArchitecture.SM_80;
        using var backend = new PTXBackend(context, new CudaCapabilityContext(architecture), architecture, CudaInstructionSet.ISA_80, null);
        // All Engine kernels are explicitly grouped (launched with a KernelConfig).
        var entry = EntryPointDescription.FromExplicitlyGroupedKernel(method);
        return ((PTXCompiledKernel)backend.Compile(entry, new KernelSpecialization())).PTXAssembly;
    }
}
