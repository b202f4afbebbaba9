namespace Engine.Torch.Ink;

/// <summary>Progress of <see cref="InkTrainer"/>, reported after every step.</summary>
/// <param name="Epoch">The current epoch, from 1.</param>
/// <param name="Epochs">Epochs in all.</param>
/// <param name="Step">Steps done in all so far.</param>
/// <param name="Steps">Steps in all.</param>
/// <param name="Loss">Mean loss of the current epoch's steps so far.</param>
/// <param name="Finished">The epoch's numbers when this report ends an epoch (after validation); null otherwise.</param>
public sealed record InkTrainingProgress(int Epoch, int Epochs, int Step, int Steps, double Loss, InkEpoch? Finished);
