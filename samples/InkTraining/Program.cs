// A TorchSharp training loop with the engine around it: the engine cuts and normalizes the tiles of a TIFF
// volume, TorchSharp trains a small network on them, and the engine stitches the predictions into a map,
// thresholds it at a percentile (numpy's quantile) and scores F0.5.
using Engine.IO;
using Engine.Segmentation;
using Engine.Torch;
using Engine.Torch.Ink;
using Engine.Volumes;
using static TorchSharp.torch;

const int Size = 384, Slices = 16, Tile = 32, Stride = 16;
string fragment = Path.Combine(Path.GetTempPath(), $"engine-sample-{Environment.ProcessId}");
SyntheticFragment.Write(fragment, new SyntheticFragmentOptions { Width = Size, Height = Size, Slices = Slices });
byte[] mask = MapFile.ReadMask(Path.Combine(fragment, "mask.png")).Pixels;
byte[] labels = MapFile.ReadMask(Path.Combine(fragment, "inklabels.png")).Pixels;

using var volume = TiffVolume.Open(Path.Combine(fragment, "surface_volume"));
var grid = TileGrid.Create(mask, Size, Size, Tile, Stride);
var tiler = new VolumeTiler(volume, grid, new VolumeTilerOptions { BatchSize = 32, Normalize = true });

manual_seed(1);
var model = nn.Sequential(nn.Conv2d(Slices, 32, 3, padding: 1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding: 1), nn.ReLU(), nn.Conv2d(32, 1, 1));
var optimizer = optim.AdamW(model.parameters(), lr: 3e-3);
for (int epoch = 1; epoch <= 8; epoch++)
{
    double loss = 0;
    int batches = 0;
    foreach (var batch in new VolumeTileLoader(tiler))
        using (batch)
        using (var scope = NewDisposeScope())
        {
            optimizer.zero_grad();
            var step = nn.functional.binary_cross_entropy_with_logits(model.forward(batch.Images), LabelTiles(batch.Origins));
            step.backward();
            optimizer.step();
            loss += step.item<float>();
            batches++;
        }
    Console.WriteLine($"epoch {epoch}: loss {loss / batches:F4}");
}

var stitcher = new SlidingWindowStitcher(Size, Size, Tile, Tile);
using (no_grad())
    foreach (var batch in new VolumeTileLoader(tiler))
        using (batch)
        using (var scope = NewDisposeScope())
            stitcher.Add(sigmoid(model.forward(batch.Images)), batch.Origins);
float[] probabilities = stitcher.Finish(mask);

double threshold = Quantile.Compute(probabilities, 0.85, mask);
var (ink, _) = Threshold.Apply(probabilities, threshold, mask);
BinaryScores score = FBeta.Score(ink, labels, mask, beta: 0.5);
BinaryScores everything = FBeta.Score(mask, labels, mask, beta: 0.5);
Console.WriteLine($"F0.5 {score.FBeta:F3} at the 85th percentile (threshold {threshold:F4}); calling everything ink scores {everything.FBeta:F3}");
Directory.Delete(fragment, recursive: true);
return score.FBeta > everything.FBeta ? 0 : 1;

// The ink labels under each window, (B, 1, Tile, Tile), as the model's targets.
Tensor LabelTiles(Tensor origins)
{
    int[] corners = origins.to(ScalarType.Int32).data<int>().ToArray();
    var targets = new float[corners.Length / 2 * Tile * Tile];
    for (int t = 0; t < corners.Length / 2; t++)
        for (int y = 0; y < Tile; y++)
            for (int x = 0; x < Tile; x++)
            {
                int row = corners[2 * t] + y, column = corners[2 * t + 1] + x;
                targets[(t * Tile + y) * Tile + x] = row < Size && column < Size && labels[row * Size + column] > 0 ? 1 : 0;
            }
    return tensor(targets, [corners.Length / 2, 1, Tile, Tile]);
}
