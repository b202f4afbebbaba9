using Engine.Cluster.Ink;
using Engine.IO;

namespace Engine.Cluster.Tests.Ink;

public sealed class InkJobTrackerTests
{
    private static InkWorkItem[] Items(int n) =>
        Enumerable.Range(0, n).Select(i => new InkWorkItem($"f{i}", $"/data/f{i}", $"/out/f{i}")).ToArray();

    private static InkWorkItemResult Result(string silo) =>
        new(silo, Width: 1, Height: 1, Tiles: 1, Threshold: 0.5, InkPixels: 0, InferenceSeconds: 1);

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

    [Fact]
    public void A_merge_waits_for_every_region_of_its_fragment_and_fails_with_one()
    {
        var whole = new InkWorkItem("a", "/data/a", "/out/a");
        InkWorkItem[] items =
        [
            whole with { Kind = InkWorkKind.Region, Region = 0, Regions = 2 },
            whole with { Kind = InkWorkKind.Region, Region = 1, Regions = 2 },
            whole with { Kind = InkWorkKind.Merge, Regions = 2 },
            new InkWorkItem("b", "/data/b", "/out/b"),
        ];
        var tracker = new InkJobTracker(items);
        Assert.Equal(["a/region 1 of 2", "a/region 2 of 2", "a/merge", "b"], tracker.Progress("job", "x").Items.Select(i => i.Name));
        // The merge is skipped while a region runs: b goes to the third silo.
        Assert.Equal([(0, "x", 1), (1, "y", 1), (3, "z", 1)], tracker.Assign(["x", "y", "z"]));
        tracker.Completed(0, Result("x"));
        Assert.Empty(tracker.Assign(["x", "y", "z"]));
        tracker.Completed(1, Result("y"));
        Assert.Equal([(2, "x", 1)], tracker.Assign(["x", "y", "z"]));

        var failing = new InkJobTracker(items);
        failing.Assign(["x", "y"]);
        failing.Lost(1, "y: gone");
        failing.Failed(0, "NaN in batch 3");
        Assert.Equal(InkWorkState.Failed, failing[2].State);
        Assert.Equal("a/region 1 of 2 failed: NaN in batch 3", failing[2].Error);
        Assert.Equal([(1, "x", 2), (3, "y", 1)], failing.Assign(["x", "y"]));
    }

    [Fact]
    public void A_fragment_taller_than_the_region_rows_becomes_regions_and_a_merge()
    {
        string folder = Path.Combine(Path.GetTempPath(), "engine-ink-plan-" + Guid.NewGuid().ToString("N"));
        try
        {
            string tall = Path.Combine(folder, "tall"), low = Path.Combine(folder, "low");
            Directory.CreateDirectory(tall);
            Directory.CreateDirectory(low);
            MapFile.WriteMask(Path.Combine(tall, "mask.png"), new GrayImage<byte>(4, 10, new byte[40]));
            MapFile.WriteMask(Path.Combine(low, "mask.png"), new GrayImage<byte>(4, 4, new byte[16]));
            var request = new InkJobRequest { Fragments = [tall, low, Path.Combine(folder, "missing")], Models = ["/m"], Output = "/out", Options = new InkJobOptions { RegionRows = 4 } };

            var items = InkJob.Plan(request);
            Assert.Equal(["tall/region 1 of 3", "tall/region 2 of 3", "tall/region 3 of 3", "tall/merge", "low", "missing"], items.Select(i => i.Label));
            Assert.Equal([0, 1, 2], items.Take(3).Select(i => i.Region));
            Assert.All(items.Take(4), i => Assert.Equal(("/out/tall", 3), (i.OutputDirectory, i.Regions)));
            Assert.Equal("/out/tall/.regions/0002-of-0003.f32", items[2].RegionPath(2));
            Assert.Contains("--region-rows 0 must be at least 1",
                Assert.Throws<ArgumentException>(() => InkJob.Plan(request with { Options = new InkJobOptions { RegionRows = 0 } })).Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
