namespace Engine.Torch.Ink;

/// <summary>Linear warm-up from 0 to the peak, then a cosine down to a fraction of it, by optimizer step.</summary>
internal static class LearningRateSchedule
{
    /// <summary>The learning rate of step <paramref name="step"/> (from 0) of <paramref name="total"/>.</summary>
    public static double At(int step, int total, double peak, double warmupFraction, double finalFraction)
    {
        int warmup = (int)Math.Round(warmupFraction * total);
        if (step < warmup)
            return peak * (step + 1) / warmup;
        double progress = total - warmup <= 1 ? 1 : (double)(step - warmup) / (total - warmup - 1);
        double final = peak * finalFraction;
        return final + (peak - final) * 0.5 * (1 + Math.Cos(Math.PI * Math.Clamp(progress, 0, 1)));
    }

    /// <summary>Sets every parameter group of <paramref name="optimizer"/> to step <paramref name="step"/>'s rate (<see cref="At"/>) and returns it.</summary>
    public static double Set(torch.optim.Optimizer optimizer, int step, int total, double peak, double warmupFraction, double finalFraction)
    {
        double rate = At(step, total, peak, warmupFraction, finalFraction);
        foreach (var group in optimizer.ParamGroups)
            group.LearningRate = rate;
        return rate;
    }
}
