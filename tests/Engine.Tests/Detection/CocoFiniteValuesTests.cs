using Engine.Detection;

namespace Engine.Tests.Detection;

public class CocoFiniteValuesTests
{
    [Theory]
    [InlineData(2, double.NaN, 1.0, "gt.json: annotation 1 (id 8): bbox value 2 is NaN, not a finite number.", "boxes")]
    [InlineData(0, 1.0, double.NaN, "gt.json: annotation 1 (id 8): area is NaN, not a finite number.", "areas")]
    public void Ground_truth_names_the_annotation_with_a_value_that_is_not_finite(int boxValue, double box, double area, string message, string parameter)
    {
        double[] boxes = [0, 0, 1, 1, 0, 0, 1, 1];
        boxes[4 + boxValue] = box;
        var e = Assert.Throws<ArgumentException>(() => new CocoDataset([1], [1], [7, 8], [1, 1], [1, 1], boxes, [1, area], [false, false], source: "gt.json"));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(parameter, e.ParamName);
    }

    [Theory]
    [InlineData(3, double.NaN, 0.5, "dt.json: detection 1 (image 4): bbox value 3 is NaN, not a finite number.", "boxes")]
    [InlineData(0, 1.0, double.NaN, "dt.json: detection 1 (image 4): score is NaN, not a finite number.", "scores")]
    public void Detections_name_the_detection_with_a_value_that_is_not_finite(int boxValue, double box, double score, string message, string parameter)
    {
        double[] boxes = [0, 0, 1, 1, 0, 0, 1, 1];
        boxes[4 + boxValue] = box;
        var e = Assert.Throws<ArgumentException>(() => new CocoDetections([3, 4], [1, 1], boxes, [0.9, score], source: "dt.json"));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(parameter, e.ParamName);
    }

    [Fact]
    public void Finite_values_pass_and_a_repeated_annotation_id_is_still_refused()
    {
        Assert.Equal(2, new CocoDetections([3, 4], [1, 1], [0, 0, 1, 1, 2, 2, 1, 1], [0.9, 0.1]).Count);
        var e = Assert.Throws<ArgumentException>(() => new CocoDataset([1], [1], [7, 7], [1, 1], [1, 1], [0, 0, 1, 1, 0, 0, 1, 1], [1, 1], [false, false]));
        Assert.Contains("annotation 1 repeats the id 7", e.Message, StringComparison.Ordinal);
    }
}
