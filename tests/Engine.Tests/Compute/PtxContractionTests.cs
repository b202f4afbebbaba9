using System.Text.RegularExpressions;

namespace Engine.Tests.Compute;

/// <summary>
/// A kernel that promises the CPU path's bits must not let ptxas fuse a product and a sum into one <c>fma</c>
/// (one rounding where .NET rounds twice). The PTX ISA lets the assembler contract a <c>mul</c> and an
/// <c>add</c>/<c>sub</c> only when both carry no rounding modifier, so every plain float <c>mul</c> whose result
/// feeds a plain <c>add</c>/<c>sub</c> is a place where CUDA may differ.
/// </summary>
public partial class PtxContractionTests
{
    /// <summary>
    /// Kernels held to the CPU path's bits. Left out: normalization, which promises 1 ulp (float64 sums in another
    /// order); and the cosine search, whose PTX also holds the CPU accelerator's float64 FMA emulation behind a
    /// predicate that is constant false on CUDA (<c>setp.ne.s32 %p, 1, 1</c>), so ptxas drops it —
    /// <c>CosineTopKPtxTests</c> checks that the live path is <c>fma.rn.f32</c>.
    /// </summary>
    public static TheoryData<string> BitExactKernels() => new(
        PtxCompilationTests.KernelMethods().Select(PtxCompilationTests.Name)
            .Where(name => !name.StartsWith("PatchNormalizationKernel.", StringComparison.Ordinal) && name != "CosineTopKKernel.Search"));

    [Theory]
    [MemberData(nameof(BitExactKernels))]
    public void No_product_can_be_fused_into_a_sum(string name)
    {
        string ptx = PtxCompilationTests.Ptx(name);
        Assert.Empty(ContractiblePairs(ptx));
    }

    [Fact]
    public void The_stitcher_rounds_each_product_explicitly()
    {
        string ptx = PtxCompilationTests.Ptx("SlidingWindowStitcherKernel.Accumulate");
        Assert.Contains("mul.rn.f64", ptx);
        Assert.Contains("mul.rn.f32", ptx);
    }

    [Fact]
    public void A_plain_product_feeding_a_sum_is_found()
    {
        const string ptx = """
            mul.f32 	%f3, %f1, %f2;
            add.f32 	%f4, %f0, %f3;
            mul.rn.f64 	%fd3, %fd1, %fd2;
            add.f64 	%fd4, %fd0, %fd3;
            mul.f64 	%fd5, %fd1, %fd2;
            cvt.rn.f32.f64 	%f5, %fd5;
            """;
        Assert.Equal(["mul.f32 %f3 → add.f32 %f4, %f0, %f3"], ContractiblePairs(ptx));
    }

    /// <summary>Each plain float <c>mul</c> whose destination a plain <c>add</c>/<c>sub</c> of the same type reads.</summary>
    private static List<string> ContractiblePairs(string ptx)
    {
        var products = new Dictionary<string, string>();
        var pairs = new List<string>();
        foreach (Match m in Instruction().Matches(ptx))
        {
            string op = m.Groups["op"].Value, modifier = m.Groups["mod"].Value, type = m.Groups["type"].Value;
            var operands = m.Groups["args"].Value.Split(',', StringSplitOptions.TrimEntries);
            if (op == "mul" && modifier.Length == 0)
                products[operands[0]] = $"mul.{type} {operands[0]}";
            else if (op is "add" or "sub" && modifier.Length == 0)
            {
                foreach (string source in operands.Skip(1))
                {
                    if (products.TryGetValue(source, out var product) && product.StartsWith($"mul.{type} ", StringComparison.Ordinal))
                        pairs.Add($"{product} → {op}.{type} {string.Join(", ", operands)}");
                }
            }
        }
        return pairs;
    }

    [GeneratedRegex(@"^\s*(?<op>mul|add|sub)(?<mod>\.rn|\.rz|\.rm|\.rp)?(\.ftz)?(\.sat)?\.(?<type>f32|f64)\s+(?<args>[^;]+);", RegexOptions.Multiline)]
    private static partial Regex Instruction();
}
