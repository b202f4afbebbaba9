using System.Text;
using Engine.Detection;
using Engine.IO;
using Engine.Search;
using Engine.Volumes;
using SharpFuzz;

namespace Engine.Fuzz;

/// <summary>
/// One AFL++ harness per reader, chosen by the first argument: <c>npy</c>, <c>png</c>, <c>tiff</c> (TiffImage and
/// TiffVolume on one file, every page), <c>fvecs</c>, <c>json</c>, <c>index</c>. Each input is written to a file
/// (the readers take paths) and read; a documented exception with a clean message is a normal outcome, anything
/// else — another exception type, a message that does not name the file or is not one printable line — escapes
/// and AFL++ records a crash. <c>corpus DIR</c> writes the seed corpora.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args is ["corpus", var dir])
        {
            Corpus.Write(dir);
            return 0;
        }
        if (args.Length < 1 || !Readers.TryGetValue(args[0], out var read))
        {
            Console.Error.WriteLine($"usage: Engine.Fuzz {string.Join("|", Readers.Keys)} [FILE]  |  Engine.Fuzz corpus DIR");
            return 2;
        }
        string extension = Extensions[args[0]];
        // Without AFL++ (a finding to reproduce): read the file given and report.
        if (args.Length == 2)
        {
            Check(args[1], read);
            Console.WriteLine("no failure");
            return 0;
        }
        string path = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"engine-fuzz-{Environment.ProcessId}{extension}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        Fuzzer.Run(stream =>
        {
            using (var file = File.Create(path))
                stream.CopyTo(file);
            Check(path, read);
        });
        return 0;
    }

    private static readonly Dictionary<string, string> Extensions = new()
    {
        ["npy"] = ".npy", ["png"] = ".png", ["tiff"] = ".tif", ["fvecs"] = ".fvecs", ["json"] = ".json", ["index"] = ".index",
    };

    private static readonly Dictionary<string, Action<string>> Readers = new()
    {
        ["npy"] = p => NpyFile.ReadFloat64(p),
        ["png"] = p => PngImage.Read(p),
        ["tiff"] = ReadTiff,
        ["fvecs"] = p => EmbeddingFile.Read(p),
        ["json"] = p => DetectionJson.Read(File.ReadAllBytes(p), p, out _),
        ["index"] = p => CosineIndex.Load(p).Dispose(),
    };

    // A page larger than this is read one row at a time only: the fuzzer hunts crashes, not slow big reads.
    private const long MaxSliceBytes = 64L << 20;

    private static void ReadTiff(string path)
    {
        Check(path, p => TiffImage.Read(p));
        using var volume = TiffVolume.Open(path);
        long sliceBytes = (long)volume.Width * volume.Height * volume.BytesPerSample;
        for (int s = 0; s < volume.SliceCount; s++)
        {
            var bytes = new byte[Math.Min(sliceBytes, MaxSliceBytes)];
            if (sliceBytes <= MaxSliceBytes)
                volume.ReadRegion(s, 0, volume.Height, 0, volume.Width, bytes);
            else
                volume.ReadRegion(s, 0, 1, 0, (int)Math.Min(volume.Width, MaxSliceBytes / volume.BytesPerSample), bytes);
        }
    }

    private static void Check(string path, Action<string> read)
    {
        try
        {
            read(path);
        }
        catch (FuzzFinding)
        {
            throw;
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or IOException or ArgumentException)
        {
            // Checked outside the filter: an exception thrown by a filter is swallowed, not raised.
            CheckMessage(e, path);
        }
    }

    /// <summary>A documented exception whose message names the file on one printable line; anything else is a finding.</summary>
    // ENGINE_FUZZ_IGNORE_MESSAGES=1 counts only crashes and hangs: while message findings are still open, they
    // would otherwise fill the crash folder and hide deeper ones.
    private static readonly bool IgnoreMessages = Environment.GetEnvironmentVariable("ENGINE_FUZZ_IGNORE_MESSAGES") == "1";

    private static void CheckMessage(Exception e, string path)
    {
        if (IgnoreMessages)
            return;
        string m = e.Message;
        if (!m.Contains(path, StringComparison.Ordinal))
            throw new FuzzFinding($"message does not name the file: {m}", e);
        if (m.Any(c => char.IsControl(c) || c == '\uFFFD'))
            throw new FuzzFinding($"message is not one printable line: {string.Concat(m.Select(c => char.IsControl(c) || c == '\uFFFD' ? $"\\u{(int)c:X4}" : c.ToString()))}", e);
    }
}

/// <summary>A clean-looking exception that breaks the message rules: thrown so that AFL++ records it as a crash.</summary>
public sealed class FuzzFinding(string message, Exception inner) : Exception(message, inner);

/// <summary>Small valid files for every harness, written with Engine's own writers and copied from tests/data.</summary>
internal static class Corpus
{
    public static void Write(string root)
    {
        string Dir(string name) => Directory.CreateDirectory(Path.Combine(root, name)).FullName;
        string npy = Dir("npy"), png = Dir("png"), tiff = Dir("tiff"), fvecs = Dir("fvecs"), json = Dir("json"), index = Dir("index");

        NpyFile.Write(Path.Combine(npy, "f4_3x4.npy"), Enumerable.Range(0, 12).Select(i => i * 0.25f).ToArray(), [3, 4]);
        NpyFile.Write(Path.Combine(npy, "u1_2x3.npy"), new byte[] { 0, 1, 2, 3, 4, 255 }, [2, 3]);
        NpyFile.Write(Path.Combine(npy, "i8_2.npy"), new long[] { -1, 1L << 40 }, [2]);

        var pixels = new byte[16 * 12];
        for (int i = 0; i < pixels.Length; i++)
            pixels[i] = (byte)(i * 7);
        PngImage.Write(Path.Combine(png, "gray8_16x12.png"), pixels, 16, 12);

        TiffImage.Write(Path.Combine(tiff, "f32_deflate.tif"), Enumerable.Range(0, 16 * 12).Select(i => i / 7f).ToArray(), 16, 12, TiffCompression.Deflate);
        TiffImage.WriteUInt16(Path.Combine(tiff, "u16.tif"), Enumerable.Range(0, 16 * 12).Select(i => (ushort)(i * 300)).ToArray(), 16, 12);

        EmbeddingFile.WriteFvecs(Path.Combine(fvecs, "3x4.fvecs"), Enumerable.Range(0, 12).Select(i => MathF.Sin(i)).ToArray(), 4);

        File.WriteAllText(Path.Combine(json, "boxes.json"), """[{"models":[{"boxes":[[0.1,0.2,0.5,0.6],[0.3,0.3,0.9,0.8]],"scores":[0.9,0.45],"labels":[0,2]},{"boxes":[[0.12,0.21,0.52,0.6]],"scores":[0.8],"labels":[0]}],"weights":[2,1]}]""", Encoding.UTF8);
        File.WriteAllText(Path.Combine(json, "lines.jsonl"), "{\"models\":[{\"boxes\":[],\"scores\":[],\"labels\":[]}]}\n{\"models\":[{\"boxes\":[[0,0,1,1]],\"scores\":[1],\"labels\":[3]}]}\n", Encoding.UTF8);

        using (var cosine = new CosineIndex(4, normalize: true))
        {
            cosine.Add(Enumerable.Range(0, 12).Select(i => MathF.Cos(i) + 0.1f).ToArray(), [10, 20, 30], [0, 1, 0]);
            cosine.Save(Path.Combine(index, "3x4.index"));
        }
    }
}
