using System.Runtime.CompilerServices;
using System.Text.Json;
using Engine.Cli;
using Engine.Cli.Results;

namespace Engine.Tests.Cli;

public class CommandResultTests
{
    [Fact]
    public void One_record_writes_the_json_and_the_text()
    {
        var result = new QuantileResult([0.5, 0.9], [1.25, double.NaN], 3, "float32");

        var json = new StringWriter();
        result.Write(json, json: true);
        var root = JsonDocument.Parse(json.ToString()).RootElement;
        Assert.Equal(["q", "quantiles", "values", "dtype"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("NaN", root.GetProperty("quantiles")[1].GetString());

        var text = new StringWriter();
        result.Write(text, json: false);
        Assert.Equal($"q 0.5: 1.25{Environment.NewLine}q 0.9: NaN{Environment.NewLine}", text.ToString());
    }

    [Fact]
    public void Choice_takes_any_case_and_names_every_choice_when_none_fits()
    {
        Assert.Equal(2, Choice.Parse("--n", "TWO", ("one", 1), ("two", 2)));
        var e = Assert.Throws<ArgumentException>(() => Choice.Parse("--n", "three", ("one", 1), ("two", 2)));
        Assert.Equal("--n three is not one of one, two.", e.Message);
    }

    /// <summary>
    /// Each command's JSON field names, in order, as they were before the commands printed through records: scripts parse them.
    /// Nested records too; a field added to a record is added here.
    /// </summary>
    [Theory]
    [InlineData(typeof(WbfResult), "method images boxesIn boxesOut warnings iouThreshold output readSeconds fuseSeconds")]
    [InlineData(typeof(DetectFuseResult), "method images predictionSets detectionsIn detectionsOut warnings iouThreshold output readSeconds fuseSeconds")]
    [InlineData(typeof(DetectEvaluateResult), "gt dt images categories annotations detections unknownCategoryDetections stats perCategory plot readSeconds evaluateSeconds")]
    [InlineData(typeof(DetectEvaluateResult.CategoryAp), "id name ap")]
    [InlineData(typeof(DetectTuneResult), "metric images predictionSets detections candidates best output plot readSeconds tuneSeconds")]
    [InlineData(typeof(DetectTuneResult.Candidate), "method iouThr skipBoxThr confType weights score stats")]
    [InlineData(typeof(EnsembleResult), "models samples classes method weights metric score candidates output")]
    [InlineData(typeof(EnsembleResult.Candidate), "weights score")]
    [InlineData(typeof(KnnResult), "rows dims queries k normalized identities backend approximate seconds queriesPerSecond stages")]
    [InlineData(typeof(KnnResult.StageSeconds), "read add search")]
    [InlineData(typeof(StitchResult), "tiles coords windows tileHeight tileWidth height width factor upsample budgetMiB output png overlay backend seconds")]
    [InlineData(typeof(StitchResult.StageSeconds), "read stitch write")]
    [InlineData(typeof(VolumeInfoResult), "source multiPage totalSlices slices range width height dtype compression predictor layout blockWidth blockHeight blocksPerSlice bigTiff fileBytes uncompressedBytes")]
    [InlineData(typeof(VolumeTileResult), "source slices range width height tile stride gridTiles tiles tileShape bytesRead memoryBudget peakBytes backend bandRows seconds tilesPerSecond readMBPerSecond cache output coords")]
    [InlineData(typeof(VerifyResult), "backend size pixels identical pass timings operations")]
    [InlineData(typeof(VerifyResult.Check), "operation identical pass tolerance difference differenceUnit cpuSeconds backendSeconds")]
    [InlineData(typeof(VerifyResult.Timing), "operation shape cpuSeconds cpuFraction backendSeconds throughput throughputUnit shareOfPeak target")]
    [InlineData(typeof(InkTrainResult), "fragments model slices tile groups labels backend epochs best bestEpoch skippedSteps trainTiles validTiles steps secondsPerStep tilesPerSecond seconds")]
    [InlineData(typeof(InkInferResult), "fragment models output width height tiles stride tta modelWindows device backend quantile quantileSource threshold inkPixels score files seconds engineShare modelWindowsPerSecond memory")]
    [InlineData(typeof(InkInferResult.LabelScore), "fBeta precision recall beta")]
    [InlineData(typeof(InkInferResult.OutputFiles), "npy tiff png ink overlay")]
    [InlineData(typeof(InkInferResult.MemoryUse), "budget maskAndGrid tilerPeak stitcherBudget stitcherBandRows outputs peakResident")]
    [InlineData(typeof(DemoResult), "size slices heldOutColumns epochs steps firstEpochLoss lastEpochLoss trainingTilesPerSecond quantile trainingFBeta threshold positives heldOutFBeta heldOutPrecision heldOutRecall allInkFBeta modelWindowsPerSecond engineShare backend output peakResidentBytes seconds")]
    [InlineData(typeof(DemoResult.StageSeconds), "generate train infer inferStages percentile total")]
    [InlineData(typeof(ClusterKnnResult), "rows dims queries k normalized identities backend approximate seconds queriesPerSecond stages index shards replicas")]
    [InlineData(typeof(ShardPlacement), "shard start rows silos")]
    [InlineData(typeof(ClusterIndexResult), "name rows dims normalized shards replicas placement stages")]
    [InlineData(typeof(ClusterIndexResult.StageSeconds), "read load")]
    [InlineData(typeof(ClusterRemoveResult), "name replicasRemoved placement")]
    [InlineData(typeof(ClusterStatusResult), "silos unreachable indexes")]
    [InlineData(typeof(ClusterStatusResult.Index), "name rows dims normalized shards replicas placement unavailableShards")]
    [InlineData(typeof(ServeResult), "silo gateway data clustering")]
    [InlineData(typeof(InkInferClusterResult), "job output models fragments seconds")]
    [InlineData(typeof(InkInferClusterResult.FragmentRun), "name fragment output silo attempts width height tiles threshold inkPixels inferenceSeconds seconds regions")]
    [InlineData(typeof(InkInferClusterResult.Region), "silo attempts windows inferenceSeconds seconds")]
    public void Results_keep_their_json_field_names(Type result, string names)
    {
        var json = new StringWriter();
        CommandLine.WriteJson(json, RuntimeHelpers.GetUninitializedObject(result));
        var root = JsonDocument.Parse(json.ToString()).RootElement;
        Assert.Equal(names.Split(' '), root.EnumerateObject().Select(p => p.Name));
    }
}
