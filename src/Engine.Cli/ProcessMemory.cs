using System.Globalization;

namespace Engine.Cli;

/// <summary>The process's own memory, as the kernel counts it.</summary>
internal static class ProcessMemory
{
    /// <summary>
    /// Peak resident set size in bytes (VmHWM of /proc/self/status): everything the process ever had in RAM at
    /// once — managed heap, libtorch's allocations, mapped files' touched pages; null where /proc is missing.
    /// </summary>
    public static long? PeakResidentBytes()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path))
            return null;
        foreach (var line in File.ReadLines(path))
        {
            // "VmHWM:    123456 kB"
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal)
                && long.TryParse(line["VmHWM:".Length..].Trim().Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out long kib))
                return kib * 1024;
        }
        return null;
    }
}
