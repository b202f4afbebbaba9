using Engine.IO;
using StbImageSharp;

namespace Engine.Tests.IO;

public class InkOverlayTests
{
    [Fact]
    public void Hits_false_alarms_and_misses_get_their_colours_over_the_gray_map()
    {
        using var folder = new TempFolder();
        string path = folder.File("overlay.png");
        var background = new GrayImage<float>(4, 1, [1f, 1f, 1f, 1f]);
        InkOverlay.Write(path, background, predicted: [1, 1, 0, 0], truth: [1, 0, 1, 0]);

        using var stream = File.OpenRead(path);
        var image = ImageResult.FromStream(stream, ColorComponents.RedGreenBlue);
        byte[] Pixel(int x) => image.Data.AsSpan(3 * x, 3).ToArray();
        Assert.Equal([40, 220, 40], Pixel(0));   // hit: green
        Assert.Equal([230, 40, 40], Pixel(1));   // false alarm: red
        Assert.Equal([40, 90, 240], Pixel(2));   // miss: blue
        Assert.Equal([127, 127, 127], Pixel(3)); // background at half brightness
    }

    [Fact]
    public void Without_truth_predicted_ink_is_green_and_sizes_must_match()
    {
        using var folder = new TempFolder();
        string path = folder.File("overlay.png");
        InkOverlay.Write(path, new GrayImage<float>(2, 1, [0f, 0f]), predicted: [1, 0]);
        using (var stream = File.OpenRead(path))
            Assert.Equal([40, 220, 40, 0, 0, 0], ImageResult.FromStream(stream, ColorComponents.RedGreenBlue).Data);
        Assert.Throws<ArgumentException>(() => InkOverlay.Write(path, new GrayImage<float>(2, 1, [0f, 0f]), predicted: [1]));
    }
}
