namespace Engine.Torch.Identity;

/// <summary>One row of an identity CSV: an image file name, its individual (null in a test CSV) and its species (null when the CSV has none).</summary>
public sealed record IdentityRecord(string Image, string? Individual, string? Species);
