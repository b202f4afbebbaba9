using Engine.Kernels.Search;
using Engine.Search;
using Engine.Tests.Compute;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Engine.Tests.Search;

/// <summary>The ILGPU kernels on the CPU accelerator: bit-identical to the SIMD path (same FMA chain per score).</summary>
[Collection(IlgpuCpuCollection.Name)]
public sealed class CosineTopKKernelTests(IlgpuCpuFixture fixture)
{
    [Theory]
    [InlineData(20, 150, 5, 3)]     // dimension past one 16-wide shared tile; 3 panels, the last partial
    [InlineData(7, 70, 3, 9)]       // odd dimension; more queries than a tile row of threads sees
    public void Kernel_equals_the_simd_path_bit_for_bit(int dim, int rows, int queries, int k)
    {
        var data = CosineIndexTests.RandomRows(rows, dim, seed: 21 + dim);
        var q = CosineIndexTests.RandomRows(queries, dim, seed: 22 + dim);
        using var index = new CosineIndex(dim);
        index.Add(data);
        var simd = index.Search(q, k);
        var kernel = index.Search(q, k, compute: fixture.Compute);
        Assert.Equal(simd.Ids, kernel.Ids);
        Assert.Equal(simd.Scores, kernel.Scores);
    }

    [Fact]
    public void Kernel_matches_faiss_on_ties_with_the_total_order()
    {
        // The FAISS ties case (each row stored 3 times), first 6 queries: exact ties ordered by id on both paths.
        int dim = SearchGolden.Dim("ties_db");
        using var index = new CosineIndex(dim);
        index.Add(SearchGolden.Floats("ties_db"));
        var q = SearchGolden.Floats("ties_queries").AsSpan(0, 6 * dim).ToArray();
        var simd = index.Search(q, 8);
        var kernel = index.Search(q, 8, compute: fixture.Compute);
        Assert.Equal(simd.Ids, kernel.Ids);
        Assert.Equal(simd.Scores, kernel.Scores);
        var faissScores = SearchGolden.Floats("ties_scores");
        for (int i = 0; i < kernel.Scores.Length; i++)
            Assert.True(Math.Abs(faissScores[i] - kernel.Scores[i]) <= SearchGolden.ScoreTolerance);
    }

    [Fact]
    public void Kernel_uses_row_ids_and_pads_missing_results()
    {
        using var index = new CosineIndex(4);
        index.Add(CosineIndexTests.RandomRows(3, 4, seed: 5), [30, 10, 20]);
        var q = CosineIndexTests.RandomRows(2, 4, seed: 6);
        var simd = index.Search(q, 5);
        var kernel = index.Search(q, 5, compute: fixture.Compute);
        Assert.Equal(simd.Ids, kernel.Ids);
        Assert.Equal(simd.Scores, kernel.Scores);
        Assert.Equal(-1, kernel.Ids[4]);
        Assert.Equal(float.MinValue, kernel.Scores[4]);
        Assert.Empty(index.Search([], 5, compute: fixture.Compute).Ids);
    }
}

/// <summary>The kernel's float64 FMA (the CPU accelerator's) equals the hardware FMA on hard cases.</summary>
public sealed class FmaByDoubleTests
{
    [Fact]
    public void Equals_MathF_FusedMultiplyAdd_bit_for_bit()
    {
        var random = new Random(7);
        for (int i = 0; i < 500_000; i++)
        {
            // Operands of mixed magnitudes, and c close to -a·b so the sum cancels: where double rounding would show.
            float a = (float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-30, 30)));
            float b = (float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-30, 30)));
            float c = (i & 1) == 0 ? -(a * b) * (1 + (float)(random.NextDouble() * 1e-6)) : (float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-60, 60)));
            Assert.Equal(MathF.FusedMultiplyAdd(a, b, c), CosineTopKKernel.FmaByDouble(a, b, c));
        }
        // Halfway cases: a·b + c exactly between two floats plus a tiny tail that only the single rounding sees.
        float next = MathF.BitIncrement(1f), half = 1 + MathF.ScaleB(1, -12), tiny = MathF.ScaleB(1, -60);
        Assert.Equal(MathF.FusedMultiplyAdd(next, next, -1), CosineTopKKernel.FmaByDouble(next, next, -1));
        Assert.Equal(MathF.FusedMultiplyAdd(half, half, tiny), CosineTopKKernel.FmaByDouble(half, half, tiny));
        Assert.Equal(MathF.FusedMultiplyAdd(half, half, -tiny), CosineTopKKernel.FmaByDouble(half, half, -tiny));
    }
}

/// <summary>The search kernel's PTX: the bit-identity with the CPU path rests on real fused multiply-adds.</summary>
public sealed class CosineTopKPtxTests
{
    [Fact]
    public void Search_compiles_to_fused_multiply_adds()
    {
        using var context = Context.Create(b => b.Cuda().EnableAlgorithms());
        var architecture = CudaArchitecture.SM_80;
        using var backend = new PTXBackend(context, new CudaCapabilityContext(architecture), architecture, CudaInstructionSet.ISA_80, null);
        var entry = EntryPointDescription.FromExplicitlyGroupedKernel(typeof(CosineTopKKernel).GetMethod(nameof(CosineTopKKernel.Search))!);
        var ptx = ((PTXCompiledKernel)backend.Compile(entry, new KernelSpecialization())).PTXAssembly;
        Assert.Contains("fma.rn.f32", ptx);
        Assert.DoesNotContain("mul.f32", ptx);
        Assert.DoesNotContain(".extern", ptx);
    }
}
