using System.Buffers.Binary;
using System.IO.Compression;
using StbImageSharp;

namespace Engine.Tests.Fuzzing;

/// <summary>
/// An independent PNG check: chunk structure and every chunk's CRC-32, IHDR's fields, the zlib stream inflated to
/// its end (so its Adler-32 is checked) and to exactly the size IHDR implies, the row filter bytes; only a file that
/// passes all that is decoded, by stb_image (the pixels), as Engine's documented conversions say.
/// </summary>
internal static class PngReference
{
    public sealed record Decoded(int Width, int Height, byte[] Gray, bool Color);

    public static (Decoded? Value, string? Rejection) Decode(byte[] file)
    {
        try
        {
            return (DecodeOrThrow(file), null);
        }
        catch (FormatException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>The fields of a PNG worth corrupting: lengths, CRCs, IHDR, the zlib header and the Adler-32.</summary>
    public static List<Field> Fields(byte[] file)
    {
        var fields = new List<Field>();
        int at = 8;
        int lastIdatEnd = -1;
        bool firstIdat = true;
        while (at + 12 <= file.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at));
            string type = System.Text.Encoding.ASCII.GetString(file, at + 4, 4);
            if (at + 12L + length > file.Length)
                break;
            fields.Add(new Field(at, 4, $"{type} length", true));
            fields.Add(new Field(at + 8 + (int)length, 4, $"{type} CRC", true));
            if (type == "IHDR" && length == 13)
            {
                fields.Add(new Field(at + 8, 4, "IHDR width", true));
                fields.Add(new Field(at + 12, 4, "IHDR height", true));
                fields.Add(new Field(at + 16, 1, "IHDR bit depth", true));
                fields.Add(new Field(at + 17, 1, "IHDR colour type", true));
                fields.Add(new Field(at + 18, 1, "IHDR compression", true));
                fields.Add(new Field(at + 20, 1, "IHDR interlace", true));
            }
            if (type == "IDAT")
            {
                if (firstIdat && length >= 2)
                    fields.Add(new Field(at + 8, 2, "zlib header", true));
                firstIdat = false;
                lastIdatEnd = at + 8 + (int)length;
            }
            at += 12 + (int)length;
        }
        if (lastIdatEnd >= 4)
            fields.Add(new Field(lastIdatEnd - 4, 4, "zlib Adler-32", true));
        return fields;
    }

    private static Decoded DecodeOrThrow(byte[] file)
    {
        ReadOnlySpan<byte> signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        if (file.Length < 8 || !file.AsSpan(0, 8).SequenceEqual(signature))
            throw new FormatException("bad signature");
        int at = 8;
        int width = 0, height = 0, depth = 0, colour = -1, interlace = 0;
        bool palette = false, ended = false;
        var idat = new MemoryStream();
        int chunk = 0;
        while (!ended)
        {
            if (at + 12 > file.Length)
                throw new FormatException("truncated before IEND");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at));
            if (length > int.MaxValue || at + 12L + length > file.Length)
                throw new FormatException($"chunk {chunk} length {length} runs past the end");
            var type = file.AsSpan(at + 4, 4);
            foreach (byte c in type)
            {
                if (!char.IsAsciiLetter((char)c))
                    throw new FormatException($"chunk {chunk} type is not four letters");
            }
            string name = System.Text.Encoding.ASCII.GetString(type);
            var data = file.AsSpan(at + 8, (int)length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at + 8 + (int)length));
            if (Crc32(file.AsSpan(at + 4, 4 + (int)length)) != crc)
                throw new FormatException($"{name} CRC mismatch");
            if (chunk == 0 && name != "IHDR")
                throw new FormatException("first chunk is not IHDR");
            switch (name)
            {
                case "IHDR":
                    if (chunk != 0 || length != 13)
                        throw new FormatException("bad IHDR");
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    depth = data[8];
                    colour = data[9];
                    interlace = data[12];
                    if (width <= 0 || height <= 0 || data[10] != 0 || data[11] != 0 || interlace > 1)
                        throw new FormatException("bad IHDR fields");
                    bool valid = colour switch
                    {
                        0 => depth is 1 or 2 or 4 or 8 or 16,
                        3 => depth is 1 or 2 or 4 or 8,
                        2 or 4 or 6 => depth is 8 or 16,
                        _ => false,
                    };
                    if (!valid)
                        throw new FormatException($"bit depth {depth} with colour type {colour}");
                    break;
                case "PLTE":
                    palette = true;
                    if (length % 3 != 0 || length == 0 || length > 768)
                        throw new FormatException("bad PLTE length");
                    break;
                case "IDAT":
                    idat.Write(data);
                    break;
                case "IEND":
                    if (length != 0)
                        throw new FormatException("IEND with data");
                    ended = true;
                    break;
                default:
                    if (char.IsAsciiLetterUpper(name[0]))
                        throw new FormatException($"unknown critical chunk {name}");
                    break;
            }
            at += 12 + (int)length;
            chunk++;
        }
        if (colour == 3 && !palette)
            throw new FormatException("palette image without PLTE");
        int channels = colour switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        long expected = RawSize(width, height, channels * depth, interlace == 1);
        if (expected > 64L << 20)
            throw new FormatException($"declares {width}×{height}: over this test's decode limit");
        var raw = Inflate(idat.ToArray(), expected);
        if (interlace == 0)
        {
            long stride = 1 + (((long)width * channels * depth) + 7) / 8;
            for (long r = 0; r < height; r++)
            {
                if (raw[r * stride] > 4)
                    throw new FormatException($"row {r} has filter type {raw[r * stride]}");
            }
        }

        ImageResult image;
        bool gray = colour is 0 or 4;
        try
        {
            image = ImageResult.FromMemory(file, gray ? ColorComponents.Grey : ColorComponents.RedGreenBlue);
        }
        catch (Exception e)
        {
            throw new FormatException($"stb_image rejects a PNG that passed the integrity checks: {e.Message}");
        }
        if (gray)
            return new Decoded(image.Width, image.Height, image.Data, false);
        var pixels = new byte[image.Width * image.Height];
        bool isColour = false;
        for (int i = 0; i < pixels.Length; i++)
        {
            byte r = image.Data[3 * i], g = image.Data[3 * i + 1], b = image.Data[3 * i + 2];
            isColour |= r != g || r != b;
            pixels[i] = r;
        }
        return new Decoded(image.Width, image.Height, pixels, isColour);
    }

    private static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++)
            c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    /// <summary>CRC-32 as the PNG specification's sample code computes it.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte x in data)
            c = CrcTable[(c ^ x) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }

    private static long RawSize(long width, long height, int bitsPerPixel, bool interlaced)
    {
        if (!interlaced)
            return height * (1 + (width * bitsPerPixel + 7) / 8);
        // Adam7: the seven passes' sub-images, each row with its own filter byte; empty passes have no rows.
        (int x0, int y0, int dx, int dy)[] passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];
        long total = 0;
        foreach (var (x0, y0, dx, dy) in passes)
        {
            long w = (width - x0 + dx - 1) / dx, h = (height - y0 + dy - 1) / dy;
            if (w > 0 && h > 0)
                total += h * (1 + (w * bitsPerPixel + 7) / 8);
        }
        return total;
    }

    /// <summary>Inflates the whole zlib stream (its Adler-32 included) and insists on exactly <paramref name="expected"/> bytes.</summary>
    public static byte[] Inflate(byte[] compressed, long expected)
    {
        using var input = new MemoryStream(compressed);
        using var zlib = new ZLibStream(input, CompressionMode.Decompress);
        var output = new MemoryStream();
        var buffer = new byte[1 << 16];
        try
        {
            int n;
            while ((n = zlib.Read(buffer)) > 0)
            {
                output.Write(buffer, 0, n);
                if (output.Length > expected)
                    throw new FormatException($"zlib stream inflates to more than the {expected} bytes the header implies");
            }
        }
        catch (InvalidDataException e)
        {
            throw new FormatException($"zlib: {e.Message}");
        }
        if (output.Length != expected)
            throw new FormatException($"zlib stream inflates to {output.Length} bytes, the header implies {expected}");
        // .NET's inflater stops at the end of the deflate data; zlib's trailer and anything after it must be
        // exactly the 4 Adler-32 bytes, and the Adler-32 must match.
        CheckTrailer(compressed, output.ToArray());
        return output.ToArray();
    }

    private static void CheckTrailer(byte[] compressed, byte[] raw)
    {
        if (compressed.Length < 6)
            throw new FormatException("zlib stream too short");
        uint a = 1, b = 0;
        foreach (byte x in raw)
        {
            a = (a + x) % 65521;
            b = (b + a) % 65521;
        }
        uint adler = (b << 16) | a;
        uint stored = BinaryPrimitives.ReadUInt32BigEndian(compressed.AsSpan(compressed.Length - 4));
        if (stored != adler)
            throw new FormatException($"zlib Adler-32 mismatch (or data after the zlib stream): stored {stored:X8}, computed {adler:X8}");
    }
}
