using Engine.Search;
using Engine.Torch.Identity;
using Engine.Torch.Tests.Ink;

namespace Engine.Torch.Tests.Identity;

public sealed class IdentityDataTests : IDisposable
{
    private readonly InkTestFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Csv(string name, params string[] lines)
    {
        string path = Path.Combine(_folder.Path, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private string Images(params string[] names)
    {
        string folder = _folder.Sub("images");
        Directory.CreateDirectory(folder);
        foreach (string name in names)
            File.WriteAllText(Path.Combine(folder, name), "");
        return folder;
    }

    [Fact]
    public void A_csv_reads_with_species_in_any_column_order_and_quoted_fields()
    {
        string images = Images("a.png", "b,c.jpg");
        var rows = IdentityCsv.Read(Csv("t.csv", "species,image,individual_id", "whale,a.png,id1", "dolphin,\"b,c.jpg\",id2"), images, requireIndividual: true);
        Assert.Equal([new IdentityRecord("a.png", "id1", "whale"), new IdentityRecord("b,c.jpg", "id2", "dolphin")], rows);
        var test = IdentityCsv.Read(Csv("test.csv", "image", "a.png"), images, requireIndividual: false);
        Assert.Equal([new IdentityRecord("a.png", null, null)], test);
    }

    [Fact]
    public void Csv_errors_are_one_line_naming_the_file_and_the_line()
    {
        string images = Images("a.png", "b.png");
        string missing = Csv("missing.csv", "image,species", "a.png,whale");
        var e = Assert.Throws<InvalidDataException>(() => IdentityCsv.Read(missing, images, requireIndividual: true));
        Assert.Equal($"{missing}, line 1: the header lacks the column \"individual_id\" (it has: image, species).", e.Message);

        string unknown = Csv("unknown.csv", "image,individual_id", "a.png,x", "nope.png,y");
        e = Assert.Throws<InvalidDataException>(() => IdentityCsv.Read(unknown, images, requireIndividual: true));
        Assert.Equal($"{unknown}, line 3: the image \"nope.png\" is not in {images}.", e.Message);

        string duplicate = Csv("dup.csv", "image,individual_id", "a.png,x", "b.png,y", "a.png,x");
        e = Assert.Throws<InvalidDataException>(() => IdentityCsv.Read(duplicate, images, requireIndividual: true));
        Assert.Equal($"{duplicate}, line 4: the image \"a.png\" is listed again (first on line 2).", e.Message);

        string short_ = Csv("short.csv", "image,individual_id", "a.png");
        e = Assert.Throws<InvalidDataException>(() => IdentityCsv.Read(short_, images, requireIndividual: true));
        Assert.Contains("line 2: 1 fields", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Png_and_jpeg_decode_and_resize_and_a_bad_file_is_named()
    {
        string jpeg = Path.Combine(AppContext.BaseDirectory, "data", "identity", "python.jpg");
        var (rgb, width, height) = IdentityImage.Decode(jpeg);
        Assert.Equal((16, 16), (width, height));
        Assert.True(rgb.Distinct().Count() > 10);

        string png = Path.Combine(_folder.Path, "p.png");
        var pixels = new byte[4 * 2 * 3];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = (byte)(i * 10);
        Engine.IO.PngEncoder.Write(png, pixels, 4, 2, 3);
        Assert.Equal(pixels, IdentityImage.Decode(png).Rgb);

        // 2 × 2 → 2 × 2 is the identity; a constant image stays constant at any size.
        var same = new byte[12];
        IdentityImage.Resize(pixels.AsSpan(0, 12).ToArray().Select((_, i) => (byte)i).ToArray(), 2, 2, 2, IdentityResize.Stretch, same);
        Assert.Equal(new byte[] { 0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11 }, same);
        var grey = Enumerable.Repeat((byte)77, 5 * 3 * 3).ToArray();
        var big = new byte[3 * 8 * 8];
        IdentityImage.Resize(grey, 5, 3, 8, IdentityResize.CenterCrop, big);
        Assert.All(big, v => Assert.Equal(77, v));

        string bad = Path.Combine(_folder.Path, "bad.png");
        File.WriteAllText(bad, "not an image");
        var e = Assert.Throws<InvalidDataException>(() => IdentityImage.Decode(bad));
        Assert.StartsWith(bad, e.Message);
    }

    [Fact]
    public void The_loader_gives_every_image_normalized_in_order_and_rethrows_a_bad_one()
    {
        var paths = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            string path = Path.Combine(_folder.Path, $"i{i}.png");
            Engine.IO.PngEncoder.Write(path, Enumerable.Range(0, 6 * 6 * 3).Select(v => (byte)(v * (i + 1))).ToArray(), 6, 6, 3);
            paths.Add(path);
        }
        using (var loader = new IdentityLoader(paths, 4, IdentityResize.Stretch, batch: 2))
        {
            var batches = loader.Batches().ToList();
            Assert.Equal([0, 2, 4], batches.Select(b => b.Start));
            Assert.Equal([2, 2, 1], batches.Select(b => b.Count));
            var expected = new float[48];
            IdentityImage.Normalize(IdentityImage.Load(paths[3], 4, IdentityResize.Stretch), expected);
            Assert.Equal(expected, batches[1].Data.AsSpan(48, 48).ToArray());
        }
        string bad = Path.Combine(_folder.Path, "bad.png");
        File.WriteAllText(bad, "x");
        using var failing = new IdentityLoader([paths[0], bad], 4, IdentityResize.Stretch, batch: 1);
        var e = Assert.Throws<InvalidDataException>(() => failing.Batches().ToList());
        Assert.Contains(bad, e.Message);
    }

    [Fact]
    public void The_split_holds_out_whole_individuals_and_never_an_only_image()
    {
        var records = Enumerable.Range(0, 40).SelectMany(i => Enumerable.Range(0, 1 + i % 4).Select(k => new IdentityRecord($"{i}_{k}.png", $"id{i}", "s"))).ToArray();
        var split = IdentitySplit.Create(records, 0.25, 0.5, seed: 3);
        Assert.Equal(records.Length, split.Train.Count + split.Queries.Count);
        var trained = split.Train.Select(r => r.Individual).ToHashSet();
        Assert.Equal(30, trained.Count);
        for (int i = 0; i < split.Queries.Count; i++)
            Assert.Equal(trained.Contains(split.Queries[i].Individual) ? split.Queries[i].Individual : IdentityRanking.NewIndividual, split.Truth[i]);
        Assert.Equal(10, split.Queries.Where(q => !trained.Contains(q.Individual)).Select(q => q.Individual).Distinct().Count());
        Assert.Contains(split.Truth, t => t != IdentityRanking.NewIndividual);
    }

    [Fact]
    public void Submissions_round_trip_and_score_by_kaggles_map5()
    {
        string path = Path.Combine(_folder.Path, "sub.csv");
        var prediction = new IdentityPrediction(["a.jpg", "b.jpg", "c.jpg"],
            [["x", "new_individual", "y", "z", "w"], ["new_individual", "x", "y", "z", "w"], ["y", "y", "z", "w", "v"]],
            [0.9f, 0.1f, 0.7f], ["x", "x", "y"], 0.5, new Dictionary<string, double>(), new IdentityStageSeconds(0, 0, 0, 0, 0, 0, 0, 0));
        IdentityPredictor.WriteSubmission(path, prediction);
        Assert.Equal("image,predictions\na.jpg,x new_individual y z w\nb.jpg,new_individual x y z w\nc.jpg,y y z w v\n", File.ReadAllText(path));
        Assert.False(File.Exists(path + ".tmp"));
        // a: truth new_individual at rank 2 → 1/2; b: truth x at rank 2 → 1/2; c: truth z at rank 3 (a repeated y counts once at rank 1, but ranks are positions) → 1/3.
        string truth = Path.Combine(_folder.Path, "truth.csv");
        File.WriteAllLines(truth, ["image,individual_id", "a.jpg,new_individual", "b.jpg,x", "c.jpg,z"]);
        Assert.Equal((0.5 + 0.5 + 1.0 / 3) / 3, IdentityPredictor.Score(path, truth), 12);
        File.WriteAllLines(truth, ["image,individual_id", "a.jpg,x", "d.jpg,x"]);
        var e = Assert.Throws<InvalidDataException>(() => IdentityPredictor.Score(path, truth));
        Assert.Contains("no prediction for \"d.jpg\" (row 2", e.Message);
    }
}
