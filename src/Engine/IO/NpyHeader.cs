namespace Engine.IO;

/// <summary>What an .npy file's header says about the array that follows it.</summary>
/// <param name="Dtype">The stored element type.</param>
/// <param name="Shape">The dimensions, outermost first; empty for a 0-d array (which holds one element).</param>
public sealed record NpyHeader(NpyDtype Dtype, int[] Shape)
{
    /// <summary>The number of elements: the product of <see cref="Shape"/>, 1 for a 0-d array.</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (int dim in Shape)
                count = checked(count * dim);
            return count;
        }
    }
}
