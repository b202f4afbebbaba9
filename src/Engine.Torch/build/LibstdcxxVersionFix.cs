// This file is compiled twice: into Engine.Torch, so tests can check the output, and by the
// RoslynCodeTaskFactory inline task in TorchSharpOnOldLibstdcxx.targets. That factory defines no
// preprocessor symbols, so only it sees the MSBuild task at the end. Engine.Torch defines NET and does
// not reference Microsoft.Build.
#nullable enable
using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
#if !NET
using Microsoft.Build.Framework;
#endif

[assembly: InternalsVisibleTo("Engine.Torch.Tests")]

namespace Engine.Torch;

/// <summary>How a native library asks for <see cref="LibstdcxxVersionFix.RequiredVersion"/>.</summary>
internal enum GlibcxxRequirement
{
    Absent,
    Strict,
    Weak,
}

/// <summary>
/// TorchSharp 0.107.0's libLibTorchSharp.so requires GLIBCXX_3.4.32 (GCC 13's libstdc++) only for
/// <c>std::ios_base_library_init</c>, which no relocation uses. Marking that version requirement weak
/// lets the dynamic loader accept an older libstdc++, such as Debian 12's, instead of refusing to load.
/// </summary>
internal static class LibstdcxxVersionFix
{
    internal const string RequiredVersion = "GLIBCXX_3.4.32";

    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const byte VerFlgWeak = 0x2;

    // NUL-terminated, so that a hypothetical GLIBCXX_3.4.320 does not count.
    private static readonly byte[] RequiredVersionName = Encoding.ASCII.GetBytes(RequiredVersion + "\0");

    /// <summary>
    /// The libstdc++ this process runs with when it lacks <see cref="RequiredVersion"/>; null when it
    /// provides it or when there is no libstdc++ to check (not Linux).
    /// </summary>
    internal static string? FindLibstdcxxLackingRequiredVersion()
    {
        string? libstdcxx = FindLibstdcxx();
        return libstdcxx is null || Contains(File.ReadAllBytes(libstdcxx), RequiredVersionName) ? null : libstdcxx;
    }

    internal static GlibcxxRequirement ReadRequirement(string libraryPath)
    {
        byte[] elf = File.ReadAllBytes(libraryPath);
        return RequirementAt(elf, FindRequirementFlags(elf, libraryPath));
    }

    /// <summary>Marks the requirement weak if it is strict; returns the requirement as it was found.</summary>
    internal static GlibcxxRequirement MakeWeak(string libraryPath)
    {
        byte[] elf = File.ReadAllBytes(libraryPath);
        int flagsOffset = FindRequirementFlags(elf, libraryPath);
        GlibcxxRequirement found = RequirementAt(elf, flagsOffset);
        if (found != GlibcxxRequirement.Strict)
            return found;

        // The file may be a hard link into the NuGet cache, so never write through it: build the
        // patched copy beside it (a copy keeps the file mode) and rename it over the original.
        string patched = libraryPath + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.Copy(libraryPath, patched, overwrite: true);
        using (var stream = new FileStream(patched, FileMode.Open, FileAccess.Write))
        {
            // vna_flags is little-endian, so the weak bit lives in its first byte.
            stream.Position = flagsOffset;
            stream.WriteByte((byte)(elf[flagsOffset] | VerFlgWeak));
        }

        // Same size and timestamp as the package's file, so the next incremental build's Copy task
        // (SkipUnchangedFiles) leaves the patched file alone instead of restoring the original.
        File.SetLastWriteTimeUtc(patched, File.GetLastWriteTimeUtc(libraryPath));
        File.Replace(patched, libraryPath, destinationBackupFileName: null);
        return found;
    }

    private static string? FindLibstdcxx()
    {
        if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            return null;

        // The copy this process has mapped is the one the dynamic loader really picks, honouring
        // LD_LIBRARY_PATH and the like; the .NET runtime itself links libstdc++.
        const string maps = "/proc/self/maps";
        if (File.Exists(maps))
        {
            foreach (string line in File.ReadLines(maps))
            {
                int pathStart = line.IndexOf('/');
                if (pathStart >= 0 && Path.GetFileName(line.Substring(pathStart)).StartsWith("libstdc++.so", StringComparison.Ordinal))
                    return line.Substring(pathStart);
            }
        }

        string[] usualPaths =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", // Debian, Ubuntu
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", // Fedora, RHEL
            "/usr/lib/libstdc++.so.6", // Arch
        };
        return usualPaths.FirstOrDefault(File.Exists);
    }

    private static GlibcxxRequirement RequirementAt(byte[] elf, int flagsOffset) =>
        flagsOffset < 0 ? GlibcxxRequirement.Absent
        : (elf[flagsOffset] & VerFlgWeak) != 0 ? GlibcxxRequirement.Weak
        : GlibcxxRequirement.Strict;

    /// <summary>
    /// File offset of the vna_flags field of the <see cref="RequiredVersion"/> entry in .gnu.version_r,
    /// or -1 when the library does not ask for that version.
    /// </summary>
    private static int FindRequirementFlags(byte[] elf, string libraryPath)
    {
        // e_ident: magic, EI_CLASS 2 (64-bit), EI_DATA 1 (little-endian); TorchSharp ships nothing else for Linux.
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F' || elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException($"{libraryPath} is not a little-endian ELF64 file.");

        int sectionHeaders = checked((int)ReadU64(elf, 0x28)); // e_shoff
        int sectionHeaderSize = ReadU16(elf, 0x3a); // e_shentsize
        int sectionCount = ReadU16(elf, 0x3c); // e_shnum
        for (int section = 0; section < sectionCount; section++)
        {
            int header = sectionHeaders + section * sectionHeaderSize;
            if (ReadU32(elf, header + 4) != ShtGnuVerneed) // sh_type
                continue;

            int stringTableHeader = sectionHeaders + (int)ReadU32(elf, header + 40) * sectionHeaderSize; // sh_link
            int stringTable = checked((int)ReadU64(elf, stringTableHeader + 24)); // its sh_offset
            int verneed = checked((int)ReadU64(elf, header + 24)); // sh_offset
            uint verneedCount = ReadU32(elf, header + 44); // sh_info
            for (uint file = 0; file < verneedCount; file++)
            {
                int vernaux = verneed + (int)ReadU32(elf, verneed + 8); // vn_aux
                for (int version = ReadU16(elf, verneed + 2); version > 0; version--) // vn_cnt
                {
                    if (BytesAt(elf, stringTable + (int)ReadU32(elf, vernaux + 8), RequiredVersionName)) // vna_name
                        return vernaux + 4; // vna_flags
                    vernaux += (int)ReadU32(elf, vernaux + 12); // vna_next
                }

                verneed += (int)ReadU32(elf, verneed + 12); // vn_next
            }

            return -1;
        }

        throw new InvalidDataException($"{libraryPath} has no .gnu.version_r (SHT_GNU_verneed) section.");
    }

    private static ushort ReadU16(byte[] bytes, int offset) => (ushort)(bytes[offset] | bytes[offset + 1] << 8);

    private static uint ReadU32(byte[] bytes, int offset) => ReadU16(bytes, offset) | (uint)ReadU16(bytes, offset + 2) << 16;

    private static ulong ReadU64(byte[] bytes, int offset) => ReadU32(bytes, offset) | (ulong)ReadU32(bytes, offset + 4) << 32;

    private static bool Contains(byte[] haystack, byte[] needle)
    {
        for (int offset = 0; offset <= haystack.Length - needle.Length; offset++)
        {
            if (BytesAt(haystack, offset, needle))
                return true;
        }

        return false;
    }

    private static bool BytesAt(byte[] haystack, int offset, byte[] needle)
    {
        if (offset + needle.Length > haystack.Length)
            return false;
        for (int i = 0; i < needle.Length; i++)
        {
            if (haystack[offset + i] != needle[i])
                return false;
        }

        return true;
    }
}

#if !NET
/// <summary>
/// Marks the GLIBCXX_3.4.32 requirement of the given libLibTorchSharp.so copies weak, but only when the
/// libstdc++ of the machine running the build lacks that version.
/// </summary>
public sealed class WeakenGlibcxxRequirement : Microsoft.Build.Utilities.Task
{
    [Required]
    public ITaskItem[] Libraries { get; set; } = Array.Empty<ITaskItem>();

    public override bool Execute()
    {
        // On a distribution with GCC 13 or newer the library loads as shipped; leave it byte-identical.
        string? oldLibstdcxx = LibstdcxxVersionFix.FindLibstdcxxLackingRequiredVersion();
        if (oldLibstdcxx is null)
            return true;

        foreach (ITaskItem library in Libraries)
        {
            string path = library.GetMetadata("FullPath");
            try
            {
                GlibcxxRequirement found = LibstdcxxVersionFix.MakeWeak(path);
                if (found == GlibcxxRequirement.Strict)
                {
                    Log.LogMessage(MessageImportance.Normal,
                        "Marked the {0} requirement of {1} weak: {2} predates {0}, so TorchSharp would fail to load. "
                        + "Only std::ios_base_library_init needs that version and nothing calls it.",
                        LibstdcxxVersionFix.RequiredVersion, path, oldLibstdcxx);
                }
                else
                {
                    Log.LogMessage(MessageImportance.Low, "{0}: {1} requirement already {2}.",
                        path, LibstdcxxVersionFix.RequiredVersion, found == GlibcxxRequirement.Weak ? "weak" : "absent");
                }
            }
            catch (InvalidDataException e)
            {
                Log.LogError("Cannot make {0} load with {1}, which lacks {2}: {3}",
                    path, oldLibstdcxx, LibstdcxxVersionFix.RequiredVersion, e.Message);
            }
        }

        return !Log.HasLoggedErrors;
    }
}
#endif
