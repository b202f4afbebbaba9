namespace Engine.Torch.Tests.Ink;

/// <summary>A fresh temporary directory, deleted with everything in it on dispose.</summary>
internal sealed class InkTestFolder : IDisposable
{
    public InkTestFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "engine-ink-tests-" + Guid.NewGuid().ToString("N"));

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
