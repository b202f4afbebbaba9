namespace Engine.Torch.Identity;

/// <summary>
/// A synthetic re-identification set: individuals of a few species, each with stable markings (spots at fixed
/// places on its body in two colours of a palette, and stripes of a fixed angle and spacing) photographed under random pose (rotation ±30°, scale, shift),
/// lighting (gain, tint, a gradient), blur and occlusion (a rectangle of background), with noise. A long tail:
/// individual r of a species has about MaxImages·e^(−3r/N) training photos, at least 1. Every known individual has
/// one test photo and unseen individuals (not in training) make up <see cref="SyntheticIdentityOptions.UnseenFraction"/>
/// of the test set. Training photos are PNG, test photos PNG too (the decoder reads JPEG alike).
/// </summary>
public static class SyntheticIdentities
{
    private sealed record Individual(string Id, int Species, (double U, double V, double R, int Colour)[] Spots, double StripeAngle, double StripeFrequency);

    /// <summary>Writes images/, train.csv, test.csv (image only) and truth.csv into <paramref name="folder"/>.</summary>
    public static SyntheticIdentitySet Write(string folder, SyntheticIdentityOptions options)
    {
        options.Validate();
        var random = new Random(options.Seed);
        string images = Path.Combine(folder, "images");
        Directory.CreateDirectory(images);
        int knownCount = options.Species * options.IndividualsPerSpecies;
        int unseenCount = (int)Math.Round(knownCount * options.UnseenFraction / (1 - options.UnseenFraction));
        var individuals = new List<Individual>();
        for (int i = 0; i < knownCount + unseenCount; i++)
        {
            int species = i < knownCount ? i / options.IndividualsPerSpecies : i % options.Species;
            // Markings: spots in two of the palette's colours at fixed places, and stripes of a fixed angle and spacing.
            int first = random.Next(SpotColours.Length), second = random.Next(SpotColours.Length);
            double radius = 0.10 + 0.12 * random.NextDouble();
            var spots = new (double, double, double, int)[4 + random.Next(5)];
            for (int s = 0; s < spots.Length; s++)
                spots[s] = (random.NextDouble() * 1.5 - 0.75, random.NextDouble() * 1.3 - 0.65, radius * (0.8 + 0.4 * random.NextDouble()), s % 2 == 0 ? first : second);
            individuals.Add(new Individual($"{(i < knownCount ? "ind" : "unseen")}{i:D4}", species, spots, random.NextDouble() * Math.PI, 4 + 10 * random.NextDouble()));
        }
        var train = new List<IdentityRecord>();
        var test = new List<(string Image, string Truth, string Species)>();
        var jobs = new List<(string Name, Individual Who, int Seed)>();
        for (int i = 0; i < individuals.Count; i++)
        {
            var who = individuals[i];
            string species = $"species{who.Species}";
            if (i < knownCount)
            {
                int rank = i % options.IndividualsPerSpecies;
                int count = Math.Max(1, (int)Math.Round(options.MaxImages * Math.Exp(-3.0 * rank / options.IndividualsPerSpecies)));
                for (int k = 0; k < count; k++)
                {
                    string name = $"train_{who.Id}_{k}.png";
                    train.Add(new IdentityRecord(name, who.Id, species));
                    jobs.Add((name, who, random.Next()));
                }
            }
            string testName = $"test_{jobs.Count:D5}.png";
            test.Add((testName, i < knownCount ? who.Id : Engine.Search.IdentityRanking.NewIndividual, species));
            jobs.Add((testName, who, random.Next()));
        }
        // Test rows in a shuffled order, so their position tells nothing.
        var testOrder = test.ToArray();
        random.Shuffle(testOrder);
        Parallel.ForEach(jobs, job => PngEncoder.Write(Path.Combine(images, job.Name), Render(job.Who, options.Size, new Random(job.Seed)), options.Size, options.Size, 3));
        string trainCsv = Path.Combine(folder, "train.csv"), testCsv = Path.Combine(folder, "test.csv"), truthCsv = Path.Combine(folder, "truth.csv");
        IdentityCsv.Write(trainCsv, train);
        Engine.IO.AtomicFile.WriteAllLines(testCsv, testOrder.Select(t => t.Image).Prepend("image"));
        Engine.IO.AtomicFile.WriteAllLines(truthCsv, testOrder.Select(t => $"{t.Image},{t.Truth},{t.Species}").Prepend("image,individual_id,species"));
        return new SyntheticIdentitySet(images, trainCsv, testCsv, truthCsv, train.Count, test.Count, unseenCount);
    }

    private static readonly (double R, double G, double B)[] SpotColours = [(0.95, 0.95, 0.90), (0.10, 0.10, 0.12), (0.90, 0.55, 0.20), (0.85, 0.80, 0.30), (0.30, 0.75, 0.85), (0.75, 0.30, 0.35)];
    private static readonly (double R, double G, double B)[] BodyColours = [(0.35, 0.40, 0.55), (0.55, 0.45, 0.35), (0.40, 0.55, 0.40), (0.55, 0.35, 0.50)];
    private static readonly (double R, double G, double B)[] Backgrounds = [(0.20, 0.35, 0.60), (0.25, 0.50, 0.55), (0.30, 0.40, 0.45), (0.15, 0.30, 0.45)];

    /// <summary>One photo: interleaved RGB bytes.</summary>
    private static byte[] Render(Individual who, int size, Random random)
    {
        var body = BodyColours[who.Species % BodyColours.Length];
        var background = Backgrounds[who.Species % Backgrounds.Length];
        double aspect = 0.45 + 0.1 * (who.Species % 3);
        double angle = (random.NextDouble() * 2 - 1) * Math.PI / 6, scale = 0.75 + 0.3 * random.NextDouble();
        double cx = (random.NextDouble() * 2 - 1) * 0.12, cy = (random.NextDouble() * 2 - 1) * 0.12;
        double gain = 0.6 + 0.7 * random.NextDouble();
        var tint = (1 + 0.15 * (random.NextDouble() * 2 - 1), 1 + 0.15 * (random.NextDouble() * 2 - 1), 1 + 0.15 * (random.NextDouble() * 2 - 1));
        double gx = (random.NextDouble() * 2 - 1) * 0.3, gy = (random.NextDouble() * 2 - 1) * 0.3;
        var pixels = new double[size * size * 3];
        double cos = Math.Cos(angle), sin = Math.Sin(angle);
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
            {
                double px = (x + 0.5) / size * 2 - 1 - cx, py = (y + 0.5) / size * 2 - 1 - cy;
                // Body coordinates: the photo's point turned back by the pose.
                double u = (cos * px + sin * py) / (0.85 * scale), v = (-sin * px + cos * py) / (0.85 * scale * aspect);
                (double R, double G, double B) colour = background;
                double wave = 0.05 * Math.Sin(7 * px + 3 * py);
                colour = (colour.R + wave, colour.G + wave, colour.B + wave);
                if (u * u + v * v <= 1)
                {
                    double stripe = Math.Sin(who.StripeFrequency * (u * Math.Cos(who.StripeAngle) + v * Math.Sin(who.StripeAngle)));
                    colour = stripe > 0.5 ? (body.R * 0.6, body.G * 0.6, body.B * 0.6) : body;
                    foreach (var spot in who.Spots)
                    {
                        double du = u - spot.U, dv = (v - spot.V) * aspect * 1.6;
                        if (du * du + dv * dv <= spot.R * spot.R)
                            colour = SpotColours[spot.Colour];
                    }
                }
                double light = gain * (1 + gx * px + gy * py);
                int at = (y * size + x) * 3;
                pixels[at] = colour.R * light * tint.Item1;
                pixels[at + 1] = colour.G * light * tint.Item2;
                pixels[at + 2] = colour.B * light * tint.Item3;
            }
        }
        if (random.NextDouble() < 0.4)
        {
            int h = (int)(size * (0.2 + 0.2 * random.NextDouble())), w = (int)(size * (0.2 + 0.2 * random.NextDouble()));
            int y0 = random.Next(size - h + 1), x0 = random.Next(size - w + 1);
            for (int y = y0; y < y0 + h; y++)
                for (int x = x0; x < x0 + w; x++)
                    for (int c = 0; c < 3; c++)
                        pixels[(y * size + x) * 3 + c] = (c == 0 ? background.R : c == 1 ? background.G : background.B) * gain;
        }
        int blur = random.NextDouble() < 0.5 ? random.Next(1, 3) : 0;
        if (blur > 0)
            pixels = BoxBlur(pixels, size, blur);
        var bytes = new byte[pixels.Length];
        for (int i = 0; i < pixels.Length; i++)
            bytes[i] = (byte)Math.Clamp(Math.Round(255 * pixels[i] + 8 * (random.NextDouble() * 2 - 1)), 0, 255);
        return bytes;
    }

    private static double[] BoxBlur(double[] pixels, int size, int radius)
    {
        var output = new double[pixels.Length];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
                for (int c = 0; c < 3; c++)
                {
                    double sum = 0;
                    int n = 0;
                    for (int dy = -radius; dy <= radius; dy++)
                        for (int dx = -radius; dx <= radius; dx++)
                        {
                            int yy = y + dy, xx = x + dx;
                            if (yy < 0 || yy >= size || xx < 0 || xx >= size)
                                continue;
                            sum += pixels[(yy * size + xx) * 3 + c];
                            n++;
                        }
                    output[(y * size + x) * 3 + c] = sum / n;
                }
        return output;
    }
}
