namespace Engine.Ensembling;

/// <summary>A score of N × C class probabilities against N integer labels, with scikit-learn's definitions.</summary>
public enum ClassificationMetric
{
    /// <summary>The fraction of samples whose first highest-scoring class (numpy's argmax) is the label; higher is better.</summary>
    Accuracy,

    /// <summary>
    /// scikit-learn's <c>log_loss</c> (≤ 1.4): probabilities clipped to [1e-15, 1 − 1e-15], rows rescaled to sum to 1,
    /// then −mean ln p[label]; lower is better.
    /// </summary>
    LogLoss,

    /// <summary>
    /// scikit-learn's <c>f1_score(average='macro')</c> of the argmax: per class 2·TP / (2·TP + FP + FN) (0 when that is
    /// 0/0), averaged over the classes that occur as a label or a prediction; higher is better.
    /// </summary>
    MacroF1,
}
