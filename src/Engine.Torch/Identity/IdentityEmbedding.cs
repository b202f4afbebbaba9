namespace Engine.Torch.Identity;

/// <summary>Embedding with flip TTA: each image and its horizontal flip through the net, the two embeddings averaged and L2-normalized.</summary>
public static class IdentityEmbedding
{
    /// <summary>Embeds one batch of normalized images (count × 3 × size × size values).</summary>
    /// <exception cref="NonFiniteValueException">An embedding is NaN/Inf.</exception>
    public static float[] Embed(IdentityNet net, float[] images, int count, int size, bool flipTta)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var batch = tensor(images, [count, 3, size, size]);
        var embedding = net.forward(batch);
        if (flipTta)
            embedding = nn.functional.normalize(embedding + net.forward(batch.flip(3)), dim: 1);
        if (!embedding.isfinite().all().item<bool>())
            throw new NonFiniteValueException("The model's embeddings are NaN or infinite.");
        return embedding.data<float>().ToArray();
    }

    /// <summary>Embeds images already decoded and resized (<see cref="IdentityImage.Load"/>), a batch at a time.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked before every batch).</exception>
    public static float[] EmbedAll(IdentityNet net, IReadOnlyList<byte[]> images, int size, int batch, bool flipTta,
        CancellationToken cancellationToken = default)
    {
        net.eval();
        int dimension = net.Config.EmbeddingSize, values = 3 * size * size;
        var result = new float[images.Count * dimension];
        for (int start = 0; start < images.Count; start += batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(batch, images.Count - start);
            var data = new float[count * values];
            for (int i = 0; i < count; i++)
                IdentityImage.Normalize(images[start + i], data.AsSpan(i * values, values));
            Embed(net, data, count, size, flipTta).CopyTo(result, start * dimension);
        }
        return result;
    }
}
