using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Numerics.Tensors;

namespace Engine.IO;

/// <summary>
/// Writes 8-bit gray or RGB PNGs with .NET's zlib at its fastest level and the Sub filter on every row: whole-fragment
/// maps are tens of megapixels, and trying all five filters per row (as stb_image_write does) costs many times the
/// time for files a few percent smaller (docs/performance.md).
/// </summary>
/// <remarks>
/// The compressed data goes to the file as it is produced, in IDAT chunks of <see cref="IdatChunkBytes"/>
/// (PNG allows any number of IDAT chunks; a decoder concatenates them), so the encoder holds a band of filtered
/// rows and one chunk, never the whole compressed image.
/// </remarks>
public static class PngEncoder
{
    /// <summary>Rows compressed per write to the zlib stream: a few MB of filtered rows at a time.</summary>
    private const int RowsPerChunk = 256;

    /// <summary>Bytes of compressed data per IDAT chunk: libpng's default is 8 KB; larger chunks cost fewer headers and CRC restarts.</summary>
    internal const int IdatChunkBytes = 1 << 18;

    /// <summary>Writes <paramref name="pixels"/> (row-major, <paramref name="channels"/> bytes a pixel: 1 gray, 3 RGB) as a PNG, replacing any file.</summary>
    /// <exception cref="IOException">The file cannot be created or written.</exception>
    public static void Write(string path, ReadOnlySpan<byte> pixels, int width, int height, int channels)
    {
        int rowBytes = checked(width * channels);
        using var atomic = AtomicFile.Create(path, 1 << 16);
        var file = atomic.Stream;
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8;                              // bits per sample
        header[9] = channels == 3 ? (byte)2 : (byte)0; // colour type: RGB or gray
        header[10] = header[11] = header[12] = 0;   // deflate, adaptive filtering, no interlace
        WriteChunk(file, "IHDR"u8, header);

        using (var idat = new IdatStream(file))
        {
            using (var zlib = new ZLibStream(idat, CompressionLevel.Fastest, leaveOpen: true))
            {
                var filtered = new byte[(long)Math.Min(RowsPerChunk, height) * (rowBytes + 1)];
                for (int y0 = 0; y0 < height; y0 += RowsPerChunk)
                {
                    int rows = Math.Min(RowsPerChunk, height - y0);
                    for (int r = 0; r < rows; r++)
                    {
                        var row = pixels.Slice((y0 + r) * rowBytes, rowBytes);
                        var target = filtered.AsSpan(r * (rowBytes + 1), rowBytes + 1);
                        target[0] = 1; // Sub: each byte minus the same channel of the pixel to its left, mod 256.
                        row[..channels].CopyTo(target[1..]);
                        TensorPrimitives.Subtract(row[channels..], row[..^channels], target[(1 + channels)..]);
                    }
                    zlib.Write(filtered, 0, rows * (rowBytes + 1));
                }
            }
        }
        WriteChunk(file, "IEND"u8, []);
        atomic.Commit();
    }

    private static void WriteChunk(Stream stream, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        stream.Write(word);
        stream.Write(type);
        stream.Write(data);
        var crc = new Crc32(); // ISO 3309, PNG's CRC, over the chunk's type and data
        crc.Append(type);
        crc.Append(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, crc.GetCurrentHashAsUInt32());
        stream.Write(word);
    }

    /// <summary>Collects what zlib writes and emits it as IDAT chunks of <see cref="IdatChunkBytes"/>, the last one shorter, on dispose.</summary>
    private sealed class IdatStream(Stream file) : Stream
    {
        private readonly byte[] _chunk = new byte[IdatChunkBytes];
        private int _length;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (!buffer.IsEmpty)
            {
                int n = Math.Min(buffer.Length, _chunk.Length - _length);
                buffer[..n].CopyTo(_chunk.AsSpan(_length));
                _length += n;
                buffer = buffer[n..];
                if (_length == _chunk.Length)
                    EmitChunk();
            }
        }

        // zlib flushes after its last block; the chunk is emitted when the stream is disposed, so no empty IDAT is written.
        public override void Flush()
        {
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing && _length > 0)
                EmitChunk();
            base.Dispose(disposing);
        }

        private void EmitChunk()
        {
            WriteChunk(file, "IDAT"u8, _chunk.AsSpan(0, _length));
            _length = 0;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
