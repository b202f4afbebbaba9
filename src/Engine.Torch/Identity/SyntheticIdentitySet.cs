namespace Engine.Torch.Identity;

/// <summary>The files a synthetic set was written to.</summary>
public sealed record SyntheticIdentitySet(string Images, string TrainCsv, string TestCsv, string TruthCsv, int TrainImages, int TestImages, int UnseenTestImages);
