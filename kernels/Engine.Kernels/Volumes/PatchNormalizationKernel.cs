namespace Engine.Kernels.Volumes;

/// <summary>
/// <c>PatchNormalization</c> on a GPU: one group per patch. Each thread sums its strided share of the patch
/// (values shifted by the patch's first value, in float64, as the CPU path does), the group reduces the sums in
/// shared memory, and every thread then writes its share of <c>(x − mean) / (std + 1e-6)</c>.
/// </summary>
public static class PatchNormalizationKernel
{
    /// <summary>Threads per group: a power of two for the tree reduction; 256 keeps two float64 arrays at 4 KB of shared memory.</summary>
    public const int GroupSize = 256;

    /// <summary>Added to the standard deviation, as in the reference formula.</summary>
    public const double Epsilon = 1e-6;

    /// <summary>Normalizes float32 patch number <c>Grid.IdxX</c> of <paramref name="input"/> into <paramref name="output"/>.</summary>
    /// <param name="input">Patches of <paramref name="patchLength"/> values, one after another.</param>
    /// <param name="patchLength">Values per patch, at least 2.</param>
    /// <param name="output">The normalized patches, same layout.</param>
    public static void NormalizeFloat(ArrayView<float> input, int patchLength, ArrayView<float> output)
    {
        long start = (long)Grid.IdxX * patchLength;
        double shift = input[start];
        double sum = 0, squares = 0;
        for (int i = Group.IdxX; i < patchLength; i += Group.DimX)
        {
            double d = input[start + i] - shift;
            sum += d;
            squares += d * d;
        }
        var (mean, denominator) = Reduce(sum, squares, shift, patchLength);
        for (int i = Group.IdxX; i < patchLength; i += Group.DimX)
            output[start + i] = (float)((input[start + i] - mean) / denominator);
    }

    /// <summary>
    /// Converts uint16 patch number <c>Grid.IdxX</c> to float32 (<c>x / divisor</c>, rounded to float32 as numpy
    /// does) and normalizes it into <paramref name="output"/>.
    /// </summary>
    /// <param name="input">uint16 patches of <paramref name="patchLength"/> values, one after another.</param>
    /// <param name="patchLength">Values per patch, at least 2.</param>
    /// <param name="divisor">1 for raw values, 65535 or 255 to scale to [0, 1].</param>
    /// <param name="output">The normalized float32 patches, same layout.</param>
    public static void NormalizeUInt16(ArrayView<ushort> input, int patchLength, float divisor, ArrayView<float> output)
    {
        long start = (long)Grid.IdxX * patchLength;
        double shift = input[start] / divisor;
        double sum = 0, squares = 0;
        for (int i = Group.IdxX; i < patchLength; i += Group.DimX)
        {
            double d = (input[start + i] / divisor) - shift;
            sum += d;
            squares += d * d;
        }
        var (mean, denominator) = Reduce(sum, squares, shift, patchLength);
        for (int i = Group.IdxX; i < patchLength; i += Group.DimX)
            output[start + i] = (float)((input[start + i] / divisor - mean) / denominator);
    }

    /// <summary>The group's mean and std + ε from every thread's shifted sums; every thread gets the result.</summary>
    private static (double Mean, double Denominator) Reduce(double sum, double squares, double shift, int n)
    {
        var sums = SharedMemory.Allocate<double>(GroupSize);
        var squareSums = SharedMemory.Allocate<double>(GroupSize);
        sums[Group.IdxX] = sum;
        squareSums[Group.IdxX] = squares;
        Group.Barrier();
        for (int half = GroupSize / 2; half > 0; half /= 2)
        {
            if (Group.IdxX < half)
            {
                sums[Group.IdxX] += sums[Group.IdxX + half];
                squareSums[Group.IdxX] += squareSums[Group.IdxX + half];
            }
            Group.Barrier();
        }
        double meanShifted = sums[0] / n;
        double variance = Math.Max(squareSums[0] - sums[0] * meanShifted, 0.0) / (n - 1);
        return (shift + meanShifted, Math.Sqrt(variance) + Epsilon);
    }
}
