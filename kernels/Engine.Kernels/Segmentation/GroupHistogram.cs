namespace Engine.Kernels.Segmentation;

/// <summary>
/// A thread group's histogram in shared memory, so the hot atomics of a counting pass stay off global memory: the
/// kernel allocates it (shared memory is sized where the kernel is compiled), clears it before the pass and adds it
/// to the global histogram after.
/// </summary>
internal static class GroupHistogram
{
    public static void Clear(ArrayView<int> bins)
    {
        for (int b = Group.IdxX; b < bins.Length; b += Group.DimX)
            bins[b] = 0;
        Group.Barrier();
    }

    public static void AddTo(ArrayView<int> bins, ArrayView<long> histogram)
    {
        Group.Barrier();
        for (int b = Group.IdxX; b < bins.Length; b += Group.DimX)
        {
            int count = bins[b];
            if (count != 0)
                Atomic.Add(ref histogram[b], count);
        }
    }
}
