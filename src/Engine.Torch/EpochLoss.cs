namespace Engine.Torch;

/// <summary>
/// A training epoch's bookkeeping that the ink and identity trainers share: the mean loss over its finite steps and
/// the steps skipped for a NaN/Inf loss (a trainer's step returns NaN when it skipped).
/// </summary>
internal sealed class EpochLoss
{
    private double _sum;
    private int _count;

    /// <summary>Steps whose loss was not finite.</summary>
    public int Skipped { get; private set; }

    /// <summary>The mean finite loss so far; NaN before the first.</summary>
    public double Mean => _count == 0 ? double.NaN : _sum / _count;

    /// <summary>Counts a step's loss; true when it was finite, so the step updated the weights.</summary>
    public bool Add(float loss)
    {
        if (!float.IsFinite(loss))
        {
            Skipped++;
            return false;
        }
        _sum += loss;
        _count++;
        return true;
    }
}
