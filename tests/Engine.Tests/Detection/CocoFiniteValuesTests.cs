using Engine.Detection;

namespace Engine.Tests.Detection;

public class CocoFiniteValuesTests
{
    [Theory]
    [InlineData("ground truth", 2, 1.0, "gt.json: annotation 1 (id 8): bbox value 2 is NaN, not a finite number.", "boxes")]
    [InlineData("ground truth", -1, double.NaN, "gt.json: annotation 1 (id 8): area is NaN, not a finite number.", "areas")]
    [InlineData("detections", 3, 0.5, "dt.json: detection 1 (image 4): bbox value 3 is NaN, not a finite number.", "boxes")]
    [InlineData("detections", -1, double.NaN, "dt.json: detection 1 (image 4): score is NaN, not a finite number.", "scores")]
    public void The_message_names_the_item_and_its_value_that_is_not_finite(string kind, int nanBoxValue, double other, string message, string parameter)
    {
        double[] boxes = [0, 0, 1, 1, 0, 0, 1, 1];
        if (nanBoxValue >= 0)
            boxes[4 + nanBoxValue] = double.NaN;
        Action build = kind == "ground truth"
            ? () => _ = new CocoDataset([1], [1], [7, 8], [1, 1], [1, 1], boxes, [1, other], [false, false], source: "gt.json")
            : () => _ = new CocoDetections([3, 4], [1, 1], boxes, [0.9, other], source: "dt.json");
        var e = Assert.Throws<ArgumentException>(build);
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
