using Engine.Compute;

namespace Engine.Tests.Compute;

[Collection(IlgpuCpuCollection.Name)]
public class KernelLaunchTests(IlgpuCpuFixture fixture)
{
    [Fact]
    public void Copies_round_trip_and_are_counted_in_bytes()
    {
        var compute = fixture.Compute;
        long uploaded = compute.BytesUploaded, downloaded = compute.BytesDownloaded;
        var back = new float[4];
        using (var launch = compute.BeginLaunch())
        {
            var buffer = launch.Upload<float>([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
            launch.Download(buffer.View.SubView(3, 4), back);
        }
        Assert.Equal([4f, 5, 6, 7], back);
        Assert.Equal(40, compute.BytesUploaded - uploaded);
        Assert.Equal(16, compute.BytesDownloaded - downloaded);
    }

    [Fact]
    public void An_empty_upload_moves_nothing_but_still_gives_a_buffer()
    {
        var compute = fixture.Compute;
        long uploaded = compute.BytesUploaded;
        using var launch = compute.BeginLaunch();
        Assert.Equal(1, launch.Upload<int>([]).Length);
        Assert.Equal(uploaded, compute.BytesUploaded);
    }

    [Fact]
    public void A_launch_holds_the_context_until_disposed()
    {
        var compute = fixture.Compute;
        var launch = compute.BeginLaunch();
        var other = new Thread(() => { using var second = compute.BeginLaunch(); });
        other.Start();
        Assert.False(other.Join(200));
        launch.Dispose();
        launch.Dispose();
        Assert.True(other.Join(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void The_cpu_backend_cannot_launch()
    {
        using var compute = new ComputeContext(ComputeBackend.Cpu);
        Assert.Throws<InvalidOperationException>(() => compute.BeginLaunch());
    }
}
