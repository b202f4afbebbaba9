using Engine.Torch.Identity;
using static TorchSharp.torch;

namespace Engine.Torch.Tests.Identity;

public sealed class ArcFaceTests
{
    /// <summary>
    /// By hand: x = (3, 4)/5 = (0.6, 0.8); class weights (1, 0) and (0, 2)/2 give cosines 0.6 and 0.8. Row 1, class 0,
    /// m = 0.5: cos(acos 0.6 + 0.5) = 0.6·cos 0.5 − 0.8·sin 0.5 = 0.143008. Row 2, class 1, m = 0.2:
    /// 0.8·cos 0.2 − 0.6·sin 0.2 = 0.664852. Row 3, x = (−1, 0), class 0: cos θ = −1 is below cos(π − 0.5), so the
    /// fallback −1 − 0.5·sin 0.5 = −1.239713. Every logit × s = 10.
    /// </summary>
    [Fact]
    public void The_logits_match_a_hand_computed_case_with_per_class_margins()
    {
        TorchRuntime.EnsureLoaded();
        using var head = new ArcFaceHead(2, [0.5f, 0.2f], scale: 10);
        using (no_grad())
            head.Weight.copy_(tensor(new float[] { 1, 0, 0, 2 }, [2, 2]));
        using var x = tensor(new float[] { 3, 4, 3, 4, -1, 0 }, [3, 2]);
        using var labels = tensor(new long[] { 0, 1, 0 });
        using var logits = head.forward(x, labels);
        var actual = logits.data<float>().ToArray();
        float[] expected = [1.43008f, 8.0f, 6.0f, 6.64852f, -12.39713f, 0f];
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) < 2e-4, $"logit {i}: {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void Sub_centres_score_a_class_by_its_nearest_centre()
    {
        TorchRuntime.EnsureLoaded();
        using var head = new ArcFaceHead(2, [0.3f, 0.3f], scale: 1, subCenters: 2);
        using (no_grad())
            head.Weight.copy_(tensor(new float[] { 0, 1, 1, 0, 0, 1, 0, -1 }, [4, 2]));
        using var x = tensor(new float[] { 2, 0 }, [1, 2]);
        using var cos = head.Cosine(x);
        Assert.Equal([1f, 0f], cos.data<float>().ToArray());
    }

    /// <summary>n^(−1/4) of 1, 16, 81 is 1, 1/2, 1/3: the rarest gets m_max, the commonest m_min, 16 a quarter of the way up.</summary>
    [Fact]
    public void Margins_fall_with_the_class_count()
    {
        var margins = AdaptiveMargins.FromCounts([1, 16, 81, 1]);
        Assert.Equal(0.50, margins[0], 6);
        Assert.Equal(0.275, margins[1], 6);
        Assert.Equal(0.20, margins[2], 6);
        Assert.Equal(margins[0], margins[3]);
        Assert.All(AdaptiveMargins.FromCounts([5, 5, 5], 0.1, 0.4), m => Assert.Equal(0.4, m, 6));
        Assert.Throws<ArgumentException>(() => AdaptiveMargins.FromCounts([0, 3]));
        Assert.Throws<ArgumentException>(() => AdaptiveMargins.FromCounts([1, 3], 0.5, 0.2));
    }

    [Fact]
    public void The_net_gives_unit_embeddings_and_gem_p_is_a_parameter()
    {
        TorchRuntime.EnsureLoaded();
        manual_seed(1);
        using var net = new IdentityNet(new IdentityModelConfig { Widths = [8, 16], BlocksPerStage = 0, EmbeddingSize = 12 });
        net.eval();
        using var x = randn(3, 3, 32, 32);
        using var y = net.forward(x);
        Assert.Equal([3L, 12L], y.shape);
        using var norms = y.norm(1);
        Assert.All(norms.data<float>().ToArray(), n => Assert.Equal(1f, n, 4));
        Assert.Contains(net.named_parameters(), p => p.name == "gem_p");
    }
}
