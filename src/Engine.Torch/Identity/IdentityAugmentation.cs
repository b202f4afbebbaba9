namespace Engine.Torch.Identity;

/// <summary>The training augmentations on a normalized batch, every random draw from the trainer's seeded <see cref="Random"/>.</summary>
internal static class IdentityAugmentation
{
    public static Tensor Apply(Tensor batch, IdentityAugmentationOptions options, Random random)
    {
        long n = batch.shape[0], size = batch.shape[2];
        var flip = new bool[n];
        var theta = new float[n * 6];
        var gain = new float[n];
        var bias = new float[n];
        var keep = new float[n * size * size];
        Array.Fill(keep, 1f);
        for (int i = 0; i < n; i++)
        {
            flip[i] = random.NextDouble() < options.Flip;
            double angle = 0, shear = 0, scale = 1, tx = 0, ty = 0;
            if (random.NextDouble() < options.Affine)
            {
                angle = (random.NextDouble() * 2 - 1) * Math.PI / 12;
                shear = (random.NextDouble() * 2 - 1) * 0.15;
                scale = 0.9 + 0.2 * random.NextDouble();
                tx = (random.NextDouble() * 2 - 1) * 0.16;
                ty = (random.NextDouble() * 2 - 1) * 0.16;
            }
            double c = Math.Cos(angle) / scale, s = Math.Sin(angle) / scale;
            theta[i * 6 + 0] = (float)c;
            theta[i * 6 + 1] = (float)(-s + shear);
            theta[i * 6 + 2] = (float)tx;
            theta[i * 6 + 3] = (float)s;
            theta[i * 6 + 4] = (float)c;
            theta[i * 6 + 5] = (float)ty;
            gain[i] = 1;
            if (random.NextDouble() < options.BrightnessContrast)
            {
                gain[i] = (float)(0.7 + 0.6 * random.NextDouble());
                bias[i] = (float)((random.NextDouble() * 2 - 1) * 0.4);
            }
            if (random.NextDouble() < options.Cutout)
            {
                int h = (int)(size * (0.15 + 0.2 * random.NextDouble())), w = (int)(size * (0.15 + 0.2 * random.NextDouble()));
                int y0 = random.Next((int)size - h + 1), x0 = random.Next((int)size - w + 1);
                for (int y = y0; y < y0 + h; y++)
                    Array.Fill(keep, 0f, (int)(i * size * size + y * size + x0), w);
            }
        }
        var flips = tensor(flip).reshape(n, 1, 1, 1);
        var result = where(flips, batch.flip(3), batch);
        var grid = nn.functional.affine_grid(tensor(theta, [n, 2, 3]), [n, 3, size, size], align_corners: false);
        result = nn.functional.grid_sample(result, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false);
        result = result * tensor(gain).reshape(n, 1, 1, 1) + tensor(bias).reshape(n, 1, 1, 1);
        return result * tensor(keep, [n, 1, size, size]);
    }
}
