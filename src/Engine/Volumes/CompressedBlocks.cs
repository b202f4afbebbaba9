using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.Intrinsics.X86;
using Microsoft.Win32.SafeHandles;

namespace Engine.Volumes;

/// <summary>
/// Decodes the Deflate, LZW or PackBits strips or tiles of one TIFF page itself instead of through LibTiff.NET:
/// the block's bytes are read straight from the file, decoded, put in this machine's byte order and, with a
/// predictor, accumulated along each row — what libtiff does. For Deflate, .NET's native zlib measured about 3×
/// faster than LibTiff.NET's managed port.
/// </summary>
/// <remarks>
/// Every block is verified, not just decoded, as LibTiff.NET stops each codec as soon as the block is full and
/// says nothing of what follows. Deflate: the zlib header, the inflated length (exactly what the block holds),
/// and the Adler-32 trailer, which must be the block's last four bytes and match the inflated bytes — .NET's
/// inflater checks it only when read to the end and says nothing when it is missing; without this about 1 in 8
/// blocks with a few flipped bytes inflated to the right length with wrong values. LZW: every code in the table,
/// exactly the block's length, then the end-of-information code (or the end of the data). PackBits: exactly the
/// block's length from exactly the stored bytes, no run crossing the end. A last strip may be stored padded to a
/// whole strip, as some writers do; nothing beyond that.
/// </remarks>
internal sealed class CompressedBlocks(string where, SafeFileHandle file, long[] offsets, long[] byteCounts, BlockCodec codec,
    int sampleBytes, bool byteSwapped, int predictor, int rowSamples)
{
    /// <summary>The codec this reader decodes for a page, or null to leave the page to LibTiff.NET.</summary>
    public static BlockCodec? For(BitMiracle.LibTiff.Classic.Compression compression, int predictor) =>
        predictor is not (1 or 2 or 3) ? null : compression switch
        {
            BitMiracle.LibTiff.Classic.Compression.ADOBE_DEFLATE or BitMiracle.LibTiff.Classic.Compression.DEFLATE => BlockCodec.Deflate,
            BitMiracle.LibTiff.Classic.Compression.LZW => BlockCodec.Lzw,
            BitMiracle.LibTiff.Classic.Compression.PACKBITS => BlockCodec.PackBits,
            _ => null,
        };

    /// <summary>Decodes block <paramref name="index"/> into <paramref name="block"/>, which it fills exactly.</summary>
    /// <param name="index">The strip or tile.</param>
    /// <param name="block">Exactly the bytes the block holds.</param>
    /// <param name="what">The block for messages: "strip 3 (rows 24..31)", "tile 5 (x=16, y=64)".</param>
    /// <param name="paddedBytes">How many more bytes the block may decode to beyond <paramref name="block"/> (a last strip stored as a whole one).</param>
    /// <returns>False for the old-style (LSB-first) LZW of pre-1990 writers, which the caller leaves to LibTiff.NET.</returns>
    /// <exception cref="InvalidDataException">The block lies outside the file, or does not decode to exactly its length; the message names the file, page and block.</exception>
    public bool Decode(int index, Span<byte> block, string what, int paddedBytes = 0)
    {
        if (index >= offsets.Length || byteCounts[index] < 1 || byteCounts[index] > int.MaxValue || offsets[index] < 0
            || offsets[index] + byteCounts[index] > RandomAccess.GetLength(file))
            throw new InvalidDataException($"{where} is truncated or corrupt: {what} ({(index < byteCounts.Length ? byteCounts[index] : 0)} bytes at offset {(index < offsets.Length ? offsets[index] : 0)}) lies outside the file.");
        int length = (int)byteCounts[index];
        byte[] compressed = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var data = compressed.AsSpan(0, length);
            if (RandomAccess.Read(file, data, offsets[index]) < length)
                throw new InvalidDataException($"{where} is truncated: {what} ends past the end of the file.");
            switch (codec)
            {
                case BlockCodec.Deflate:
                    Inflate(compressed, length, block, what, paddedBytes);
                    break;
                case BlockCodec.Lzw:
                    if (length >= 2 && data[0] == 0 && (data[1] & 1) != 0)
                        return false;
                    Lzw(data, block, what, paddedBytes);
                    break;
                default:
                    PackBits(data, block, what, paddedBytes);
                    break;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(compressed);
        }
        Undo(block);
        return true;
    }

    private void Inflate(byte[] compressed, int length, Span<byte> block, string what, int paddedBytes)
    {
        if (length < 6)
            throw new InvalidDataException($"{where} is corrupt: {what} holds {length} bytes, too few for a zlib stream.");
        byte cmf = compressed[0], flg = compressed[1];
        if ((cmf & 0x0F) != 8 || cmf >> 4 > 7 || (cmf << 8 | flg) % 31 != 0 || (flg & 0x20) != 0)
            throw new InvalidDataException($"{where} is corrupt: {what} does not start with a zlib header (0x{cmf:X2} 0x{flg:X2}).");
        bool padded;
        try
        {
            using var inflater = new ZLibStream(new MemoryStream(compressed, 0, length, writable: false), CompressionMode.Decompress);
            int got = inflater.ReadAtLeast(block, block.Length, throwOnEndOfStream: false);
            if (got < block.Length)
                throw new InvalidDataException($"{where} is truncated or corrupt: {what} inflates to {got} bytes, not {block.Length}.");
            // Reading on to the end makes zlib check its trailer.
            Span<byte> rest = stackalloc byte[256];
            long extra = 0;
            for (int n; (n = inflater.Read(rest)) > 0;)
            {
                extra += n;
                if (extra > paddedBytes)
                    throw new InvalidDataException($"{where} is corrupt: {what} inflates to more than its {block.Length} bytes.");
            }
            // With padding the checksum below cannot cover the bytes not kept; zlib has checked it instead, as it
            // read to the end.
            padded = extra > 0;
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith(where, StringComparison.Ordinal))
        {
            // .NET words every zlib data error as "an unsupported compression method"; what zlib found is damage.
            throw new InvalidDataException($"{where} is corrupt: {what} does not inflate (zlib finds invalid data or a wrong checksum).", e);
        }
        uint trailer = BinaryPrimitives.ReadUInt32BigEndian(compressed.AsSpan(length - 4, 4));
        uint sum = padded ? trailer : Adler32(block);
        if (sum != trailer)
            throw new InvalidDataException($"{where} is corrupt: {what} fails its zlib checksum (Adler-32 0x{sum:X8}, the stream's last four bytes say 0x{trailer:X8}).");
    }

    // TIFF LZW: codes of 9 to 12 bits, 256 clears the table, 257 ends the data, new entries from 258.
    private const int Clear = 256, EndOfInformation = 257, FirstFree = 258, MaxCodes = 4096;

    private void Lzw(ReadOnlySpan<byte> data, Span<byte> block, string what, int paddedBytes)
    {
        // Each entry is its prefix's entry plus one byte; strings are written backwards from their end.
        Span<short> prefix = stackalloc short[MaxCodes];
        Span<byte> last = stackalloc byte[MaxCodes];
        Span<byte> first = stackalloc byte[MaxCodes];
        Span<short> lengths = stackalloc short[MaxCodes];
        for (int i = 0; i < 256; i++)
            (prefix[i], last[i], first[i], lengths[i]) = (-1, (byte)i, (byte)i, 1);
        int limit = block.Length + paddedBytes;
        byte[]? pad = paddedBytes > 0 ? ArrayPool<byte>.Shared.Rent(paddedBytes) : null;
        try
        {
            int bits = 9, free = FirstFree, previous = -1, position = 0;
            long bitPosition = 0, totalBits = (long)data.Length * 8;
            while (true)
            {
                if (bitPosition + bits > totalBits)
                {
                    // No end-of-information code: libtiff warns and keeps what it has; the block must be full.
                    if (position < block.Length)
                        throw new InvalidDataException($"{where} is truncated or corrupt: {what} decodes (LZW) to {position} bytes, not {block.Length}.");
                    break;
                }
                int code = ReadCode(data, bitPosition, bits);
                bitPosition += bits;
                if (code == EndOfInformation)
                    break;
                if (code == Clear)
                {
                    (bits, free, previous) = (9, FirstFree, -1);
                    continue;
                }
                int entry = code;
                if (!(code < free || (code == free && previous >= 0 && free < MaxCodes)))
                    throw new InvalidDataException($"{where} is corrupt: {what} holds LZW code {code} at byte {bitPosition / 8 - 1}, not in its table of {free} entries.");
                if (previous >= 0 && free < MaxCodes)
                {
                    // The new entry is the previous string plus the first byte of this one (of itself, when new).
                    prefix[free] = (short)previous;
                    last[free] = code < free ? first[code] : first[previous];
                    first[free] = first[previous];
                    lengths[free] = (short)(lengths[previous] + 1);
                    free++;
                }
                int n = lengths[entry];
                if (position + n > limit)
                    throw new InvalidDataException($"{where} is corrupt: {what} decodes (LZW) to more than its {block.Length} bytes.");
                if (n == 1)
                {
                    if (position < block.Length)
                        block[position] = (byte)entry;
                    else
                        pad![position - block.Length] = (byte)entry;
                }
                else if (position + n <= block.Length)
                {
                    // The common case, without a bounds check a byte: the chain is exactly n entries long.
                    ref byte end = ref Unsafe.Add(ref MemoryMarshal.GetReference(block), position + n - 1);
                    ref short prefixes = ref MemoryMarshal.GetReference(prefix);
                    ref byte lasts = ref MemoryMarshal.GetReference(last);
                    for (int e = entry, k = 0; k < n; e = Unsafe.Add(ref prefixes, e), k++)
                        Unsafe.Subtract(ref end, k) = Unsafe.Add(ref lasts, e);
                }
                else
                {
                    for (int e = entry, p = position + n - 1; e >= 0; e = prefix[e], p--)
                    {
                        if (p < block.Length)
                            block[p] = last[e];
                        else
                            pad![p - block.Length] = last[e];
                    }
                }
                position += n;
                previous = entry;
                // The early change: the code width grows one entry before the table would need it.
                if (free >= (1 << bits) - 1 && bits < 12)
                    bits++;
            }
            if (position < block.Length)
                throw new InvalidDataException($"{where} is truncated or corrupt: {what} decodes (LZW) to {position} bytes, not {block.Length}.");
            // Whole bytes after the end-of-information code are not this block's data (zeros are padding).
            for (long b = (bitPosition + 7) / 8; b < data.Length; b++)
            {
                if (data[(int)b] != 0)
                    throw new InvalidDataException($"{where} is corrupt: {what} holds {data.Length - (bitPosition + 7) / 8} bytes after its LZW end code.");
            }
        }
        finally
        {
            if (pad is not null)
                ArrayPool<byte>.Shared.Return(pad);
        }
    }

    private static int ReadCode(ReadOnlySpan<byte> data, long bitPosition, int bits)
    {
        int index = (int)(bitPosition >> 3);
        uint window = (uint)data[index] << 16;
        if (index + 1 < data.Length)
            window |= (uint)data[index + 1] << 8;
        if (index + 2 < data.Length)
            window |= data[index + 2];
        return (int)(window >> (24 - (int)(bitPosition & 7) - bits)) & ((1 << bits) - 1);
    }

    private void PackBits(ReadOnlySpan<byte> data, Span<byte> block, string what, int paddedBytes)
    {
        int limit = block.Length + paddedBytes, position = 0, i = 0;
        while (i < data.Length)
        {
            int header = (sbyte)data[i++];
            if (header == -128)
                continue; // a no-op, as the format defines
            int count = header >= 0 ? header + 1 : 1 - header;
            if (header >= 0 ? i + count > data.Length : i >= data.Length)
                throw new InvalidDataException($"{where} is truncated or corrupt: {what}'s PackBits run at byte {i - 1} runs past its {data.Length} stored bytes.");
            if (position + count > limit)
                throw new InvalidDataException($"{where} is corrupt: {what} decodes (PackBits) to more than its {block.Length} bytes.");
            int kept = Math.Max(0, Math.Min(count, block.Length - position));
            if (header >= 0)
            {
                if (kept > 0)
                    Unsafe.CopyBlockUnaligned(ref Unsafe.Add(ref MemoryMarshal.GetReference(block), position), ref Unsafe.Add(ref MemoryMarshal.GetReference(data), i), (uint)kept);
                i += count;
            }
            else
            {
                if (kept > 0)
                    block.Slice(position, kept).Fill(data[i]);
                i++;
            }
            position += count;
        }
        if (position < block.Length)
            throw new InvalidDataException($"{where} is truncated or corrupt: {what} decodes (PackBits) to {position} bytes, not {block.Length}.");
    }

    private void Undo(Span<byte> block)
    {
        if (predictor == 3)
        {
            FloatingPointAccumulate(block);
            return;
        }
        if (byteSwapped)
            Swap(block, sampleBytes);
        if (predictor == 2)
            Accumulate(block);
    }

    internal static void Swap(Span<byte> samples, int sampleBytes)
    {
        switch (sampleBytes)
        {
            case 2: BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ushort>(samples), MemoryMarshal.Cast<byte, ushort>(samples)); break;
            case 4: BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, uint>(samples), MemoryMarshal.Cast<byte, uint>(samples)); break;
        }
    }

    /// <summary>Undoes horizontal differencing: each sample of a row adds the one before it, wrapping as the integer type does.</summary>
    private void Accumulate(Span<byte> block)
    {
        switch (sampleBytes)
        {
            case 1: Accumulate(block, rowSamples); break;
            case 2: Accumulate(MemoryMarshal.Cast<byte, ushort>(block), rowSamples); break;
            default: Accumulate(MemoryMarshal.Cast<byte, uint>(block), rowSamples); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Accumulate<T>(Span<T> samples, int rowSamples) where T : unmanaged, System.Numerics.IBinaryInteger<T>
    {
        for (int start = 0; start + rowSamples <= samples.Length; start += rowSamples)
        {
            var row = samples.Slice(start, rowSamples);
            for (int i = 1; i < row.Length; i++)
                row[i] = unchecked(row[i] + row[i - 1]);
        }
    }

    /// <summary>
    /// Undoes libtiff's floating-point predictor (fpAcc): a row holds the samples' bytes as planes, most
    /// significant first, differenced byte by byte; the result is in this machine's byte order whatever the file's.
    /// </summary>
    private void FloatingPointAccumulate(Span<byte> block)
    {
        int rowBytes = rowSamples * sampleBytes;
        byte[] planes = ArrayPool<byte>.Shared.Rent(rowBytes);
        try
        {
            for (int start = 0; start + rowBytes <= block.Length; start += rowBytes)
            {
                var row = block.Slice(start, rowBytes);
                for (int i = 1; i < row.Length; i++)
                    row[i] = unchecked((byte)(row[i] + row[i - 1]));
                row.CopyTo(planes);
                for (int s = 0; s < rowSamples; s++)
                {
                    for (int b = 0; b < sampleBytes; b++)
                    {
                        int plane = BitConverter.IsLittleEndian ? sampleBytes - 1 - b : b;
                        row[s * sampleBytes + b] = planes[plane * rowSamples + s];
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(planes);
        }
    }

    // Largest n with 255 n (n + 1) / 2 + (n + 1) (65520) below 2³²: zlib's NMAX, the bytes summed before a modulo.
    private const int Nmax = 5552;
    private const uint Base = 65521;

    /// <summary>The Adler-32 of <paramref name="data"/> (RFC 1950), with AVX2 where the machine has it.</summary>
    /// <param name="data">The bytes.</param>
    /// <param name="seed">The Adler-32 of the bytes before, to continue a stream; 1 to start one.</param>
    internal static uint Adler32(ReadOnlySpan<byte> data, uint seed = 1)
    {
        uint a = seed & 0xFFFF, b = seed >> 16;
        if (Avx2.IsSupported)
        {
            // 32 bytes a step: a gains their sum; b gains 32 × a before the step plus Σ (32 − j) × byte j.
            var weights = Vector256.Create((sbyte)32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17,
                16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1);
            var ones = Vector256.Create((short)1);
            while (data.Length >= 32)
            {
                int steps = Math.Min(data.Length, Nmax / 32 * 32) / 32;
                var sums = Vector256<ulong>.Zero;
                var prefix = Vector256<ulong>.Zero;
                var weighted = Vector256<int>.Zero;
                ref byte start = ref MemoryMarshal.GetReference(data);
                for (int i = 0; i < steps; i++)
                {
                    var v = Vector256.LoadUnsafe(ref start, (nuint)(i * 32));
                    prefix += sums;
                    sums += Avx2.SumAbsoluteDifferences(v, Vector256<byte>.Zero).AsUInt64();
                    weighted += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(v, weights), ones);
                }
                ulong n = (ulong)steps * 32;
                ulong sum = Vector256.Sum(sums);
                ulong bb = b + n * a + 32 * Vector256.Sum(prefix) + (ulong)(uint)Vector256.Sum(weighted);
                a = (uint)((a + sum) % Base);
                b = (uint)(bb % Base);
                data = data[(int)n..];
            }
        }
        while (data.Length > 0)
        {
            int n = Math.Min(data.Length, Nmax);
            foreach (byte v in data[..n])
            {
                a += v;
                b += a;
            }
            a %= Base;
            b %= Base;
            data = data[n..];
        }
        return b << 16 | a;
    }
}
