namespace Engine.Detection;

/// <summary>
/// <c>numpy.sum</c> of a contiguous float64 array in numpy's own order — sequential below 8 values, else eight
/// running partial sums per block of up to 128 combined pairwise (checked against numpy 1.24 on random arrays
/// of 1 to 400 values); past 8,192 values (the reduction's buffer size) numpy sums each run of 8,192 pairwise and
/// adds the runs one after another (checked on 8,193 to 123,457 values) — so sums of weights round as in
/// ensemble-boxes and COCO summary means as in pycocotools.
/// </summary>
internal static class NumpySum
{
    private const int BlockSize = 128; // numpy's PW_BLOCKSIZE
    private const int BufferSize = 8192; // numpy's default ufunc buffer (np.getbufsize())

    public static double Of(ReadOnlySpan<double> values)
    {
        if (values.Length <= BufferSize)
            return Pairwise(values);
        double sum = 0;
        for (int i = 0; i < values.Length; i += BufferSize)
            sum += Pairwise(values[i..Math.Min(i + BufferSize, values.Length)]);
        return sum;
    }

    private static double Pairwise(ReadOnlySpan<double> a)
    {
        int n = a.Length;
        if (n < 8)
        {
            double sum = 0.0;
            for (int i = 0; i < n; i++)
                sum += a[i];
            return sum;
        }
        if (n <= BlockSize)
        {
            Span<double> r = stackalloc double[8];
            a[..8].CopyTo(r);
            int i = 8;
            for (; i < n - n % 8; i += 8)
            {
                for (int j = 0; j < 8; j++)
                    r[j] += a[i + j];
            }
            double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for (; i < n; i++)
                res += a[i];
            return res;
        }
        int half = n / 2;
        half -= half % 8;
        return Pairwise(a[..half]) + Pairwise(a[half..]);
    }
}
