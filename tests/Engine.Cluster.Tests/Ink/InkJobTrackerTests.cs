using Engine.Cluster.Ink;

namespace Engine.Cluster.Tests.Ink;

public sealed class InkJobTrackerTests
{
    private static InkWorkItem[] Items(int n) =>
        Enumerable.Range(0, n).Select(i => new InkWorkItem($"f{i}", $"/data/f{i}", $"/out/f{i}")).ToArray();

    private static InkWorkItemResult Result(string silo) =>
        new() { Silo = silo, Width = 1, Height = 1, Tiles = 1, Threshold = 0.5, InkPixels = 0, InferenceSeconds = 1 };

    [Fact]
    public void Items_go_one_to_a_free_silo_in_order()
    {
        var tracker = new InkJobTracker(Items(3));
        Assert.Equal([(0, "a", 1), (1, "b", 1)], tracker.Assign(["a", "b"]));
        Assert.Empty(tracker.Assign(["a", "b"]));
        tracker.Completed(1, Result("b"));
        Assert.Equal([(2, "b", 1)], tracker.Assign(["a", "b"]));
        Assert.False(tracker.Finished);
        tracker.Completed(0, Result("a"));
        tracker.Completed(2, Result("b"));
        Assert.True(tracker.Finished);
        var progress = tracker.Progress("job", "a");
        Assert.Equal(3, progress.Done);
        Assert.All(progress.Items, p => Assert.Equal(InkWorkState.Done, p.State));
    }

    [Fact]
    public void A_lost_item_runs_again_on_another_silo_until_its_attempts_run_out()
    {
        var tracker = new InkJobTracker(Items(2));
        tracker.Assign(["a", "b"]);
        tracker.Lost(0, "a: connection refused");
        Assert.Equal(InkWorkState.Pending, tracker[0].State);
        Assert.Equal([(0, "c", 2)], tracker.Assign(["b", "c"]));
        tracker.Lost(0, "c: gone");
        Assert.Equal([(0, "d", 3)], tracker.Assign(["b", "d"]));
        tracker.Lost(0, "d: gone");
        Assert.Equal(InkWorkState.Failed, tracker[0].State);
        Assert.Equal($"lost its silo on each of {InkJobTracker.MaxAttempts} attempts; the last: d: gone", tracker[0].Error);
        tracker.Failed(1, "mask.png is 10×10 px but the slices are 20×20");
        Assert.True(tracker.Finished);
        Assert.Equal(0, tracker.Progress("job", "b").Done);
    }

    [Fact]
    public void A_job_is_one_item_per_fragment_with_outputs_under_its_name()
    {
        var request = new InkJobRequest { Fragments = ["/data/a/", "/data/b"], Models = ["/m"], Output = "/out" };
        var items = InkJob.Plan(request);
        Assert.Equal([new InkWorkItem("a", "/data/a", "/out/a"), new InkWorkItem("b", "/data/b", "/out/b")], items);

        var twice = request with { Fragments = ["/data/a", "/other/a"] };
        Assert.Contains("--fragment /data/a and /other/a are both named a: their outputs would both go to /out/a",
            Assert.Throws<ArgumentException>(() => InkJob.Plan(twice)).Message);
        Assert.Contains("No model given", Assert.Throws<ArgumentException>(() => InkJob.Plan(request with { Models = [] })).Message);
        Assert.Contains("No fragment given", Assert.Throws<ArgumentException>(() => InkJob.Plan(request with { Fragments = [] })).Message);
    }
}
