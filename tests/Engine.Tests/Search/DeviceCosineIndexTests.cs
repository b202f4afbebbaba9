using Engine.Search;
using Engine.Tests.Compute;

namespace Engine.Tests.Search;

/// <summary>
/// The device index and the fused top-k kernel on ILGPU's CPU accelerator, at tiny sizes: every result equal to
/// the CPU index's bit for bit.
/// </summary>
[Collection(IlgpuCpuCollection.Name)]
public sealed class DeviceCosineIndexTests(IlgpuCpuFixture fixture)
{
    [Theory]
    [InlineData(5, 200, 3, 1)]        // k = 1; 4 panels, so several slices merged
    [InlineData(6, 150, 2, 2048)]     // k = CosineIndex.MaxK, fewer rows than k: the rest padded
    [InlineData(17, 64, 70, 7)]       // one full panel; queries past one tile of 64
    public void Fused_kernel_equals_the_cpu_index_bit_for_bit(int dim, int rows, int queries, int k)
    {
        var data = CosineIndexTests.RandomRows(rows, dim, seed: dim);
        var q = CosineIndexTests.RandomRows(queries, dim, seed: dim + 1);
        using var cpu = new CosineIndex(dim);
        using var device = new DeviceCosineIndex(fixture.Compute, dim);
        cpu.Add(data);
        device.Add(data);
        AssertSame(cpu.Search(q, k), device.Search(q, k));
    }

    [Fact]
    public void Ties_are_ordered_by_id_then_row_as_on_the_cpu()
    {
        // Each of 20 rows stored three times, with ids that run against the rows: ties decided by id, and equal ids by row.
        var unique = CosineIndexTests.RandomRows(20, 4, seed: 3);
        var data = unique.Concat(unique).Concat(unique).ToArray();
        long[] ids = [.. Enumerable.Range(0, 60).Select(i => (long)(100 - i % 37))];
        var q = unique.AsSpan(0, 5 * 4).ToArray();
        using var cpu = new CosineIndex(4);
        using var device = new DeviceCosineIndex(fixture.Compute, 4);
        cpu.Add(data, ids);
        device.Add(data, ids);
        var expected = cpu.Search(q, 9);
        AssertSame(expected, device.Search(q, 9));
        Assert.Equal(expected.Scores[0], expected.Scores[1]);
    }

    [Fact]
    public void Add_in_several_calls_remove_and_reset_keep_it_equal_to_the_cpu_index()
    {
        const int dim = 9;
        var q = CosineIndexTests.RandomRows(4, dim, seed: 40);
        using var cpu = new CosineIndex(dim, normalize: true);
        using var device = new DeviceCosineIndex(fixture.Compute, dim, normalize: true);
        long next = 0;
        foreach (int rows in new[] { 10, 60, 1, 100 })
        {
            var data = CosineIndexTests.RandomRows(rows, dim, seed: rows);
            long[] ids = [.. Enumerable.Range(0, rows).Select(_ => 3 * next++)];
            cpu.Add(data, ids);
            device.Add(data, ids);
            AssertSame(cpu.Search(q, 12), device.Search(q, 12));
        }
        long[] remove = [0, 30, 33, 300, 7];
        Assert.Equal(cpu.Remove(remove), device.Remove(remove));
        Assert.Equal(cpu.Count, device.Count);
        AssertSame(cpu.Search(q, 12), device.Search(q, 12));

        device.Reset();
        Assert.Equal(0, device.Count);
        Assert.Throws<InvalidOperationException>(() => device.Search(q, 1));
        var fresh = CosineIndexTests.RandomRows(5, dim, seed: 41);
        device.Add(fresh);
        using var expected = new CosineIndex(dim, normalize: true);
        expected.Add(fresh);
        AssertSame(expected.Search(q, 3), device.Search(q, 3));
    }

    [Fact]
    public void Save_and_load_round_trip_through_the_cpu_index_file()
    {
        const int dim = 6;
        var data = CosineIndexTests.RandomRows(70, dim, seed: 50);
        var q = CosineIndexTests.RandomRows(3, dim, seed: 51);
        string path = Path.Combine(Path.GetTempPath(), $"device-index-{Guid.NewGuid():N}.idx");
        try
        {
            using var device = new DeviceCosineIndex(fixture.Compute, dim);
            device.Add(data, [.. Enumerable.Range(0, 70).Select(i => (long)i * 11)], [.. Enumerable.Range(0, 70).Select(i => i % 4)]);
            device.Save(path);
            using var cpu = CosineIndex.Load(path);
            using var loaded = DeviceCosineIndex.Load(fixture.Compute, path);
            Assert.True(cpu.HasIdentities);
            Assert.Equal(70, loaded.Count);
            AssertSame(cpu.Search(q, 5), device.Search(q, 5));
            AssertSame(cpu.Search(q, 5), loaded.Search(q, 5));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Search_uploads_only_the_queries_and_add_only_the_new_rows()
    {
        const int dim = 8, k = 4;
        var compute = fixture.Compute;
        using var device = new DeviceCosineIndex(compute, dim);
        device.Add(CosineIndexTests.RandomRows(100, dim, seed: 60), [.. Enumerable.Range(0, 100).Select(i => (long)i)]);

        var q = CosineIndexTests.RandomRows(3, dim, seed: 61);
        long uploaded = compute.BytesUploaded, downloaded = compute.BytesDownloaded;
        device.Search(q, k);
        Assert.Equal(q.Length * sizeof(float), compute.BytesUploaded - uploaded);
        Assert.Equal(3 * k * (sizeof(float) + sizeof(int)), compute.BytesDownloaded - downloaded);

        // 100 rows fill panel 0 and 36 lanes of panel 1: the next Add sends panel 1 again (shared with the new rows), panel 2, and 50 ids.
        uploaded = compute.BytesUploaded;
        device.Add(CosineIndexTests.RandomRows(50, dim, seed: 62), [.. Enumerable.Range(100, 50).Select(i => (long)i)]);
        Assert.Equal(2L * 64 * dim * sizeof(float) + 50 * sizeof(long), compute.BytesUploaded - uploaded);
        Assert.True(device.DeviceCapacityFloats >= 3L * 64 * dim);
    }

    [Fact]
    public void Span_overloads_fill_the_callers_buffers()
    {
        var data = CosineIndexTests.RandomRows(30, 5, seed: 70);
        var q = CosineIndexTests.RandomRows(2, 5, seed: 71);
        using var cpu = new CosineIndex(5);
        using var device = new DeviceCosineIndex(fixture.Compute, 5);
        cpu.Add(data);
        device.Add(data);
        var expected = cpu.Search(q, 3);
        foreach (ICosineIndex index in new ICosineIndex[] { cpu, device })
        {
            var scores = new float[6];
            var ids = new long[6];
            index.Search(q, 3, scores, ids);
            Assert.Equal(expected.Scores, scores);
            Assert.Equal(expected.Ids, ids);
            Assert.Throws<ArgumentException>(() => index.Search(q, 3, new float[5], ids));
        }
    }

    [Fact]
    public void A_cancelled_search_throws()
    {
        var data = CosineIndexTests.RandomRows(30, 5, seed: 80);
        using var device = new DeviceCosineIndex(fixture.Compute, 5);
        device.Add(data);
        Assert.Throws<OperationCanceledException>(() => device.Search(data, 3, cancellationToken: new CancellationToken(canceled: true)));
    }

    [Fact]
    public void A_context_without_kernels_is_refused()
    {
        using var cpu = new Engine.Compute.ComputeContext(Engine.Compute.ComputeBackend.Cpu);
        Assert.Throws<ArgumentException>(() => new DeviceCosineIndex(cpu, 4));
    }

    private static void AssertSame(SearchResult expected, SearchResult actual)
    {
        Assert.Equal(expected.Ids, actual.Ids);
        Assert.Equal(expected.Scores, actual.Scores);
    }
}
