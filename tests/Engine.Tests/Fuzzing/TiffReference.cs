using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using BitMiracle.LibTiff.Classic;

namespace Engine.Tests.Fuzzing;

/// <summary>
/// An independent TIFF decode of the same bytes: LibTiff.NET's ReadEncodedStrip / ReadEncodedTile on every page,
/// each block required to decode to exactly its size, LibTiff required to report no error and no warning other
/// than the harmless ones (unknown tags), and every Deflate block inflated again to its end with .NET's zlib (its
/// Adler-32 checked, its length exact), which LibTiff does not do.
/// </summary>
internal static partial class TiffReference
{
    /// <summary>One page: samples in this machine's byte order.</summary>
    public sealed record Page(int Width, int Height, int BytesPerSample, bool IsFloat, byte[] Samples);

    // Pages larger than this are not decoded by the reference: the reader is then only asked to fail cleanly or
    // read one row.
    public const long MaxPageBytes = 16L << 20;

    private const int MaxPages = 64;

    public sealed record Decoded(List<Page> Pages, bool TooLarge);

    /// <summary>Decodes up to <paramref name="maxPages"/> pages (1: what a first-page reader must match).</summary>
    public static (Decoded? Value, string? Rejection) Decode(byte[] file, int maxPages = MaxPages)
    {
        using var unmeasured = FuzzCampaign.Unmeasured();
        var (screened, rejection) = Screen(file, maxPages);
        if (rejection is not null)
            return (null, rejection);
        if (screened == 0)
            return (new Decoded([], TooLarge: true), null);
        using var capture = Capture.Begin();
        try
        {
            var pages = DecodeOrThrow(file, screened, out bool tooLarge);
            tooLarge |= screened < maxPages && pages.Count == screened;
            if (capture.Problems() is { } problems)
                return (null, $"LibTiff reports: {problems}");
            return (new Decoded(pages, tooLarge), null);
        }
        catch (FormatException e)
        {
            return (null, capture.Problems() is { } problems ? $"{e.Message}; LibTiff reports: {problems}" : e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return (null, $"LibTiff.NET throws {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>
    /// Walks the directories before LibTiff.NET sees them, because LibTiff.NET allocates what a directory declares
    /// before it checks it against the file: 3.3 GB for a damaged BigTIFF directory that declares 276,856,956
    /// entries, 4 GB and 5 s of strip tables for an ImageLength of 2^31 − 1 (the mutation suite's "hangs" at
    /// iterations 66 and 90 were this decoder's, not Engine's). A directory whose entries run past the end of the
    /// file is corrupt (LibTiff: "Can not read TIFF directory"); from the first page declaring more than
    /// <see cref="MaxPageBytes"/> pixels or a tag of more than <see cref="MaxPageBytes"/> bytes, pages are too large
    /// to decode here.
    /// </summary>
    /// <returns>How many pages LibTiff.NET may read (fewer than <paramref name="maxPages"/>: the rest are too large), or a rejection.</returns>
    private static (int Pages, string? Rejection) Screen(byte[] b, int maxPages)
    {
        if (b.Length < 8 || !((b[0] == 'I' && b[1] == 'I') || (b[0] == 'M' && b[1] == 'M')))
            return (maxPages, null); // LibTiff rejects it on its own, without allocating
        bool be = b[0] == 'M';
        bool big = Mutator.Read(b.AsSpan(2, 2), be) == 43;
        if (big && b.Length < 16)
            return (maxPages, null);
        int offSize = big ? 8 : 4, countSize = big ? 8 : 2, entrySize = big ? 20 : 12;
        long ifd = big ? Mutator.Read(b.AsSpan(8, 8), be) : Mutator.Read(b.AsSpan(4, 4), be);
        var seen = new HashSet<long>();
        for (int page = 0; page < Math.Min(maxPages, MaxPages); page++)
        {
            if (ifd <= 0 || ifd + countSize > b.Length || !seen.Add(ifd))
                return (maxPages, null); // the end of the chain, or damage LibTiff reports without allocating
            long n = Mutator.Read(b.AsSpan((int)ifd, countSize), be);
            if (n < 0 || n > (b.Length - ifd - countSize) / entrySize)
                return (0, $"directory {page} at offset {ifd} declares {n} entries, past the end of the file");
            long width = 0, height = 0;
            long at = ifd + countSize;
            for (long e = 0; e < n; e++, at += entrySize)
            {
                int tag = (int)Mutator.Read(b.AsSpan((int)at, 2), be);
                int type = (int)Mutator.Read(b.AsSpan((int)at + 2, 2), be);
                long count = Mutator.Read(b.AsSpan((int)at + 4, big ? 8 : 4), be);
                int typeSize = type switch { 3 or 8 => 2, 4 or 9 or 11 or 13 => 4, 5 or 10 or 12 or 16 or 17 or 18 => 8, _ => 1 };
                // LibTiff.NET allocates a tag's values before it finds them past the end of the file (1.5 GB
                // resident for a count of 268,435,476); smaller lies it reports (or tolerates) as before.
                if (count < 0 || count > MaxPageBytes / typeSize)
                    return (page, null);
                if ((tag is 256 or 257) && count >= 1)
                {
                    int valueAt = (int)at + (big ? 12 : 8);
                    long value = type == 3 ? Mutator.Read(b.AsSpan(valueAt, 2), be)
                        : type == 16 && big ? Mutator.Read(b.AsSpan(valueAt, 8), be)
                        : Mutator.Read(b.AsSpan(valueAt, 4), be);
                    if (tag == 256) width = value; else height = value;
                }
            }
            if (width > 0 && height > 0 && width > MaxPageBytes / height)
                return (page, null);
            if (at + offSize > b.Length)
                return (maxPages, null);
            ifd = Mutator.Read(b.AsSpan((int)at, offSize), be);
        }
        return (maxPages, null);
    }

    private static List<Page> DecodeOrThrow(byte[] file, int maxPages, out bool tooLarge)
    {
        tooLarge = false;
        using var tiff = Tiff.ClientOpen("reference", "r", new MemoryStream(file, writable: false), new TiffStream())
            ?? throw new FormatException("LibTiff cannot open it");
        var pages = new List<Page>();
        do
        {
            if (pages.Count == MaxPages)
                throw new FormatException($"more than {MaxPages} pages (a loop?)");
            var page = ReadPage(tiff, file, pages.Count);
            if (page is null)
                tooLarge = true;
            else
                pages.Add(page);
            if (tooLarge || pages.Count == maxPages)
                break;
        }
        while (tiff.ReadDirectory());
        return pages;
    }

    private static Page? ReadPage(Tiff tiff, byte[] file, int index)
    {
        int width = Required(tiff, TiffTag.IMAGEWIDTH), height = Required(tiff, TiffTag.IMAGELENGTH);
        int samples = tiff.GetFieldDefaulted(TiffTag.SAMPLESPERPIXEL)[0].ToInt();
        int bits = tiff.GetFieldDefaulted(TiffTag.BITSPERSAMPLE)[0].ToInt();
        var format = (SampleFormat)tiff.GetFieldDefaulted(TiffTag.SAMPLEFORMAT)[0].ToInt();
        if (samples != 1 || !((format == SampleFormat.UINT && bits is 8 or 16) || (format == SampleFormat.IEEEFP && bits == 32)))
            throw new FormatException($"page {index}: {samples} samples of {bits}-bit {format}: not a volume slice");
        if (width <= 0 || height <= 0)
            throw new FormatException($"page {index}: {width}×{height}");
        int bytes = bits / 8;
        long pageBytes = (long)width * height * bytes;
        if (pageBytes > MaxPageBytes)
            return null;
        var compression = (Compression)tiff.GetFieldDefaulted(TiffTag.COMPRESSION)[0].ToInt();
        bool deflate = compression is Compression.DEFLATE or Compression.ADOBE_DEFLATE;
        var pixels = new byte[pageBytes];
        long rowBytes = (long)width * bytes;
        if (tiff.IsTiled())
        {
            int tw = Required(tiff, TiffTag.TILEWIDTH), th = Required(tiff, TiffTag.TILELENGTH);
            int tileSize = tiff.TileSize();
            if (tileSize <= 0 || (long)tw * th * bytes != tileSize || tileSize > MaxPageBytes)
                throw new FormatException($"page {index}: tile size {tileSize} for {tw}×{th} tiles");
            var tile = new byte[tileSize];
            int across = (width + tw - 1) / tw, down = (height + th - 1) / th;
            if (tiff.NumberOfTiles() != across * down)
                throw new FormatException($"page {index}: {tiff.NumberOfTiles()} tiles, {across}×{down} needed");
            for (int t = 0; t < across * down; t++)
            {
                int n = tiff.ReadEncodedTile(t, tile, 0, tileSize);
                if (n != tileSize)
                    throw new FormatException($"page {index}: tile {t} decodes to {n} bytes, not {tileSize}");
                if (deflate)
                    CheckDeflate(tiff, t, tiled: true, tileSize, index);
                int x0 = t % across * tw, y0 = t / across * th;
                for (int y = y0; y < Math.Min(height, y0 + th); y++)
                {
                    int columns = Math.Min(tw, width - x0);
                    Array.Copy(tile, (long)(y - y0) * tw * bytes, pixels, y * rowBytes + (long)x0 * bytes, (long)columns * bytes);
                }
            }
        }
        else
        {
            int perStrip = tiff.GetFieldDefaulted(TiffTag.ROWSPERSTRIP)[0].ToInt();
            if (perStrip <= 0 || perStrip > height)
                perStrip = height;
            int strips = (height + perStrip - 1) / perStrip;
            if (tiff.NumberOfStrips() < strips)
                throw new FormatException($"page {index}: {tiff.NumberOfStrips()} strips, {strips} needed");
            var strip = new byte[perStrip * rowBytes];
            for (int s = 0; s < strips; s++)
            {
                int rows = Math.Min(perStrip, height - s * perStrip);
                int expected = (int)(rows * rowBytes);
                int n = tiff.ReadEncodedStrip(s, strip, 0, expected);
                if (n != expected)
                    throw new FormatException($"page {index}: strip {s} decodes to {n} bytes, not {expected}");
                if (deflate)
                    CheckDeflate(tiff, s, tiled: false, expected, index);
                Array.Copy(strip, 0, pixels, s * perStrip * rowBytes, expected);
            }
        }
        return new Page(width, height, bytes, format == SampleFormat.IEEEFP, pixels);
    }

    /// <summary>The block's raw bytes inflate, to their end, to exactly <paramref name="expected"/> bytes (libtiff writes a last strip only as long as its rows; a full strip is also fine).</summary>
    private static void CheckDeflate(Tiff tiff, int block, bool tiled, int expected, int page)
    {
        var counts = tiff.GetField(tiled ? TiffTag.TILEBYTECOUNTS : TiffTag.STRIPBYTECOUNTS)[0].TolongArray();
        long count = counts[block];
        if (count <= 0 || count > MaxPageBytes)
            throw new FormatException($"page {page}: block {block} byte count {count}");
        var raw = new byte[count];
        int n = tiled ? tiff.ReadRawTile(block, raw, 0, (int)count) : tiff.ReadRawStrip(block, raw, 0, (int)count);
        if (n != count)
            throw new FormatException($"page {page}: block {block} has {n} of its {count} bytes in the file");
        try
        {
            PngReference.Inflate(raw, expected);
        }
        catch (FormatException e)
        {
            if (tiled)
                throw new FormatException($"page {page}: deflate block {block}: {e.Message}");
            // A full-height last strip is also a valid encoding: accept it at the full strip size.
            int full = (int)(tiff.StripSize());
            try
            {
                PngReference.Inflate(raw, full);
            }
            catch (FormatException)
            {
                throw new FormatException($"page {page}: deflate block {block}: {e.Message}");
            }
        }
    }

    private static int Required(Tiff tiff, TiffTag tag) =>
        tiff.GetField(tag) is [var v, ..] ? v.ToInt() : throw new FormatException($"no {tag}");

    /// <summary>LibTiff's diagnostics on this thread while a reference decode runs; all others pass on unchanged.</summary>
    internal sealed partial class Capture : IDisposable
    {
        [ThreadStatic]
        private static List<string>? current;

        private readonly List<string> _messages = [];

        public static Capture Begin()
        {
            Handler.EnsureInstalled();
            var c = new Capture();
            current = c._messages;
            return c;
        }

        /// <summary>The errors and data-loss warnings, joined; null when none.</summary>
        public string? Problems()
        {
            var serious = _messages.Where(m => !IsHarmless(m)).ToList();
            return serious.Count == 0 ? null : string.Join("; ", serious.Distinct().Take(3));
        }

        // Tags LibTiff does not know, cannot use or trims are skipped without touching the pixels, and a damaged
        // descriptive tag (resolution, text) loses no data; the pixels are compared anyway. Everything about the
        // page chain, the geometry and the blocks is serious.
        private static bool IsHarmless(string m) =>
            (m.StartsWith("warning: ", StringComparison.Ordinal) && (m.Contains("nknown field", StringComparison.Ordinal)
                || m.Contains("not sorted", StringComparison.Ordinal) || m.Contains("ignored", StringComparison.OrdinalIgnoreCase)
                || m.Contains("tag trimmed", StringComparison.Ordinal) || m.Contains("does not end in null byte", StringComparison.Ordinal)
                || m.Contains("Bogus \"StripByteCounts\"", StringComparison.Ordinal) || m.Contains("calculating from imagelength", StringComparison.Ordinal)))
            || m.Contains("Rational with zero denominator", StringComparison.Ordinal)
            || (m.Contains("Error fetching data for field", StringComparison.Ordinal) && !Essential().IsMatch(m));

        [System.Text.RegularExpressions.GeneratedRegex("Strip|Tile|Image|Bits|Sample|Compression|Predictor|Rows")]
        private static partial System.Text.RegularExpressions.Regex Essential();

        public void Dispose() => current = null;

        private sealed class Handler : TiffErrorHandler
        {
            private static readonly Handler Instance = new();
            private readonly TiffErrorHandler _previous;

            private Handler() => _previous = Tiff.SetErrorHandler(this) ?? new TiffErrorHandler();

            public static void EnsureInstalled() => GC.KeepAlive(Instance);

            private static bool Take(string kind, string method, string format, object[] args)
            {
                string text = $"{kind}: {method}: {string.Format(CultureInfo.InvariantCulture, format, args)}";
                if (current is { } messages)
                {
                    messages.Add(text);
                    return true;
                }
                return false;
            }

            public override void ErrorHandler(Tiff tif, string method, string format, params object[] args)
            {
                if (!Take("error", method, format, args))
                    _previous.ErrorHandler(tif, method, format, args);
            }

            public override void ErrorHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args)
            {
                if (current is null)
                    _previous.ErrorHandlerExt(tif, clientData, method, format, args);
            }

            public override void WarningHandler(Tiff tif, string method, string format, params object[] args)
            {
                if (!Take("warning", method, format, args))
                    _previous.WarningHandler(tif, method, format, args);
            }

            public override void WarningHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args)
            {
                if (current is null)
                    _previous.WarningHandlerExt(tif, clientData, method, format, args);
            }
        }
    }

    /// <summary>The IFD fields of a TIFF or BigTIFF worth corrupting: entry counts, tags, types, counts, values and offsets, next-IFD links, strip/tile offsets and byte counts.</summary>
    public static List<Field> Fields(byte[] b)
    {
        var fields = new List<Field>();
        if (b.Length < 8 || !((b[0] == 'I' && b[1] == 'I') || (b[0] == 'M' && b[1] == 'M')))
            return fields;
        bool be = b[0] == 'M';
        int version = (int)Mutator.Read(b.AsSpan(2, 2), be);
        bool big = version == 43;
        int offSize = big ? 8 : 4;
        fields.Add(new Field(2, 2, "version", be));
        long ifd = big ? (b.Length >= 16 ? Mutator.Read(b.AsSpan(8, 8), be) : 0) : Mutator.Read(b.AsSpan(4, 4), be);
        fields.Add(big ? new Field(8, 8, "first IFD offset", be) : new Field(4, 4, "first IFD offset", be));
        var seen = new HashSet<long>();
        for (int page = 0; ifd > 0 && ifd < b.Length && seen.Add(ifd) && page < 16; page++)
        {
            int countSize = big ? 8 : 2, entrySize = big ? 20 : 12;
            if (ifd + countSize > b.Length)
                break;
            long n = Mutator.Read(b.AsSpan((int)ifd, countSize), be);
            fields.Add(new Field((int)ifd, countSize, $"IFD {page} entry count", be));
            long at = ifd + countSize;
            for (int e = 0; e < n && at + entrySize <= b.Length; e++, at += entrySize)
            {
                int tag = (int)Mutator.Read(b.AsSpan((int)at, 2), be);
                int type = (int)Mutator.Read(b.AsSpan((int)at + 2, 2), be);
                long count = Mutator.Read(b.AsSpan((int)at + 4, big ? 8 : 4), be);
                int valueAt = (int)at + (big ? 12 : 8);
                string name = $"IFD {page} tag {tag}";
                fields.Add(new Field((int)at, 2, $"{name} (tag number)", be));
                fields.Add(new Field((int)at + 2, 2, $"{name} type", be));
                fields.Add(new Field((int)at + 4, big ? 8 : 4, $"{name} count", be));
                int typeSize = type switch { 3 or 8 => 2, 4 or 9 or 11 or 13 => 4, 5 or 10 or 12 or 16 or 17 or 18 => 8, _ => 1 };
                long total = count * typeSize;
                if (total <= offSize)
                {
                    fields.Add(new Field(valueAt, typeSize is 2 or 4 or 8 && typeSize <= offSize ? typeSize : offSize, $"{name} value", be));
                }
                else
                {
                    fields.Add(new Field(valueAt, offSize, $"{name} value offset", be));
                    long arrayAt = Mutator.Read(b.AsSpan(valueAt, offSize), be);
                    // The first few elements of out-of-line arrays: strip/tile offsets and byte counts live there.
                    for (int i = 0; i < Math.Min(count, 4) && typeSize is 2 or 4 or 8 && arrayAt + (i + 1) * typeSize <= b.Length && arrayAt >= 0; i++)
                        fields.Add(new Field((int)(arrayAt + i * typeSize), typeSize, $"{name}[{i}]", be));
                }
            }
            if (at + offSize > b.Length)
                break;
            fields.Add(new Field((int)at, offSize, $"IFD {page} next-IFD offset", be));
            ifd = Mutator.Read(b.AsSpan((int)at, offSize), be);
        }
        return fields;
    }
}
