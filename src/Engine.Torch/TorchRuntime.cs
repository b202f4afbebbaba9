namespace Engine.Torch;

/// <summary>
/// Loads TorchSharp's native libraries once, turning the opaque type-initialisation failure of an
/// unloadable libtorch into an error that says what to do.
/// </summary>
public static class TorchRuntime
{
    // Lazy caches the failure too: a native library that failed to load stays unloadable in this process.
    private static readonly Lazy<string> LoadedVersion = new(Load);

    /// <summary>The libtorch version TorchSharp runs on, such as 2.10.0.0; loads the native libraries on first use.</summary>
    /// <exception cref="InvalidOperationException">The native libraries cannot be loaded.</exception>
    public static string Version => LoadedVersion.Value;

    /// <summary>Loads TorchSharp's native libraries unless that has already happened.</summary>
    /// <exception cref="InvalidOperationException">The native libraries cannot be loaded.</exception>
    public static void EnsureLoaded() => _ = LoadedVersion.Value;

    private static string Load()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            return torch.__version__;
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or NotSupportedException)
        {
            throw new InvalidOperationException(
                "TorchSharp's native libraries failed to load. On Linux the usual cause is that TorchSharp's "
                + $"libLibTorchSharp.so requires {LibstdcxxVersionFix.RequiredVersion} (the libstdc++ of GCC 13 or newer), "
                + "which older distributions such as Debian 12 lack. This repository's build marks that requirement "
                + "weak in its output and publish folders when the build machine's libstdc++ lacks it, so rebuild or "
                + "republish with it (dotnet build / dotnet publish from the repository) on a machine like the one "
                + "that runs the program, rather than copying an output built elsewhere. See the inner exception for "
                + "the loader's message.",
                e);
        }
    }
}
