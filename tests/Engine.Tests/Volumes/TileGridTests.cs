using Engine.IO;
using Engine.Volumes;

namespace Engine.Tests.Volumes;

public class TileGridTests
{
    public static TheoryData<string> Cases => ["grid_odd", "grid_multiple", "grid_stride_tile"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_grid_equals_the_ink_detection_loop(string name)
    {
        var spec = TestData.Json("volumes", "expected.json").GetProperty("grids").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
        var mask = NpyFile.ReadBytes(VolumeData.PathOf($"{name}.mask.npy"));
        var expected = NpyFile.ReadInt32(VolumeData.PathOf($"{name}.coords.npy")).Data;
        int height = mask.Shape[0], width = mask.Shape[1];
        var grid = TileGrid.Create(mask.Data, width, height, spec.GetProperty("tile").GetInt32(), spec.GetProperty("stride").GetInt32());
        Assert.Equal(spec.GetProperty("padded")[0].GetInt32(), grid.PaddedHeight);
        Assert.Equal(spec.GetProperty("padded")[1].GetInt32(), grid.PaddedWidth);
        Assert.Equal(spec.GetProperty("tiles").GetInt32(), grid.Count);
        Assert.Equal(expected, grid.OriginsAsInt32());
    }

    [Theory]
    [InlineData(TileKeepRule.AnyMasked)]
    [InlineData(TileKeepRule.AllMasked)]
    public void Both_rules_equal_counting_every_tile(TileKeepRule rule)
    {
        // An ellipse without holes, so that some tiles lie wholly inside it.
        int height = 151, width = 125, tile = 20, stride = 7;
        var mask = new byte[width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                mask[y * width + x] = (byte)(Math.Pow((y - 70.0) / 65, 2) + Math.Pow((x - 60.0) / 50, 2) < 1 ? 255 : 0);
        var grid = TileGrid.Create(mask, width, height, tile, stride, rule);
        var expected = new List<TileOrigin>();
        for (int y = 0; y + tile <= grid.PaddedHeight; y += stride)
        {
            for (int x = 0; x + tile <= grid.PaddedWidth; x += stride)
            {
                int count = 0;
                for (int r = y; r < Math.Min(y + tile, height); r++)
                    for (int c = x; c < Math.Min(x + tile, width); c++)
                        count += mask[r * width + c] != 0 ? 1 : 0;
                if (rule == TileKeepRule.AnyMasked ? count > 0 : count == tile * tile)
                    expected.Add(new TileOrigin(y, x));
            }
        }
        Assert.NotEmpty(expected);
        Assert.Equal(expected, grid.Origins.ToArray());
    }

    [Fact]
    public void Bad_arguments_are_named()
    {
        Assert.Contains("needs 12", Assert.Throws<ArgumentException>(() => TileGrid.Create(new byte[10], 4, 3, 2, 1)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TileGrid.Create(new byte[12], 4, 3, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => TileGrid.Create(new byte[12], 4, 3, 2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TileGrid.Create(new byte[12], 4, 3, 2, 1, (TileKeepRule)9));
    }
}
