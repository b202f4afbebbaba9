using System.Text.Json;

namespace Engine.Tests;

/// <summary>Paths of the golden files under tests/data, which the build copies beside the test assembly.</summary>
internal static class TestData
{
    public static string PathOf(params string[] parts) =>
        Path.Combine([AppContext.BaseDirectory, "data", .. parts]);

    public static JsonElement Json(params string[] parts)
    {
        using var stream = File.OpenRead(PathOf(parts));
        return JsonDocument.Parse(stream).RootElement.Clone();
    }
}

/// <summary>A scratch folder under the system temp folder, deleted with everything in it.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "engine-tests-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
