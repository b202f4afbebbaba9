using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;
using System.Text;

namespace Engine.IO;

/// <summary>
/// Reads and writes NumPy's .npy files (format versions 1.0, 2.0 and 3.0; little-endian; C order), so arrays pass
/// between Python and Engine without conversion scripts.
/// </summary>
/// <remarks>
/// Data is streamed straight between the file and the result array in chunks, so an array of up to
/// <see cref="Array.MaxLength"/> elements needs no second copy in memory. Files written here are byte for byte
/// what <c>numpy.save</c> writes for the same array.
/// </remarks>
public static class NpyFile
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    // Spans handed to the stream stay this small: MemoryMarshal.AsBytes cannot describe more than int.MaxValue
    // bytes, and a converting read needs a scratch buffer of only this size.
    private const int ChunkBytes = 1 << 22;

    // numpy refuses headers over 10 000 bytes by default; a length far beyond that is a corrupt file, not an
    // array, and must not make us allocate gigabytes.
    private const int MaxHeaderBytes = 1 << 20;

    // numpy.lib.format's default max_header_size: a longer header is refused by numpy.load unless allow_pickle.
    private const int NumpyMaxHeaderLength = 10_000;

    // numpy 2's NPY_MAXDIMS (numpy 1 allowed 32).
    private const int MaxDimensions = 64;

    private const string Supported = "<f4, <f8, <i4, <i8, |u1, |b1, <u2 and <f2";

    /// <summary>Reads only the header: the element type and shape, without touching the data.</summary>
    /// <param name="path">The .npy file.</param>
    /// <returns>The stored element type and shape.</returns>
    /// <exception cref="InvalidDataException">The file is not an .npy file, or its header is truncated or malformed.</exception>
    /// <exception cref="NotSupportedException">The file is in Fortran order, big-endian, of an unknown format version, or holds a dtype not in <see cref="NpyDtype"/>.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static NpyHeader ReadHeader(string path)
    {
        using var stream = OpenRead(path);
        return ReadHeader(stream, path);
    }

    /// <summary>Reads an array of any supported dtype as float32.</summary>
    /// <remarks>
    /// Integer, bool, float16 and float64 data are converted value by value, as numpy's <c>astype(np.float32)</c>
    /// does: bool becomes 0 or 1, float16 is exact, and float64 and integers beyond 2^24 round to the nearest
    /// float32.
    /// </remarks>
    /// <param name="path">The .npy file.</param>
    /// <returns>The elements in C order and the shape.</returns>
    /// <exception cref="InvalidDataException">The file is not an .npy file, or its header or data is truncated or malformed.</exception>
    /// <exception cref="NotSupportedException">The file is in Fortran order, big-endian, holds an unsupported dtype, or more elements than a .NET array can.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static NpyArray<float> ReadFloat32(string path) => Read<float>(path, nameof(ReadFloat32), static _ => true);

    /// <summary>Reads an array of any supported dtype as float64.</summary>
    /// <remarks>
    /// Every dtype converts exactly except int64 values beyond 2^53, which round to the nearest float64, as in
    /// numpy's <c>astype(np.float64)</c>; bool becomes 0 or 1.
    /// </remarks>
    /// <inheritdoc cref="ReadFloat32(string)"/>
    public static NpyArray<double> ReadFloat64(string path) => Read<double>(path, nameof(ReadFloat64), static _ => true);

    /// <summary>Reads a uint8 or bool array, such as a mask, as bytes; bool becomes 0 or 1.</summary>
    /// <param name="path">The .npy file.</param>
    /// <returns>The elements in C order and the shape.</returns>
    /// <exception cref="InvalidDataException">The file is not an .npy file, or its header or data is truncated or malformed.</exception>
    /// <exception cref="NotSupportedException">The file holds another dtype (bytes are never narrowed from wider types), is in Fortran order or big-endian, or holds more elements than a .NET array can.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static NpyArray<byte> ReadBytes(string path) =>
        Read<byte>(path, nameof(ReadBytes), static d => d is NpyDtype.UInt8 or NpyDtype.Bool);

    /// <summary>Reads an int32 array, or a narrower integer or bool one widened exactly; bool becomes 0 or 1.</summary>
    /// <param name="path">The .npy file.</param>
    /// <returns>The elements in C order and the shape.</returns>
    /// <exception cref="InvalidDataException">The file is not an .npy file, or its header or data is truncated or malformed.</exception>
    /// <exception cref="NotSupportedException">The file holds a float or int64 dtype (never narrowed or rounded here), is in Fortran order or big-endian, or holds more elements than a .NET array can.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static NpyArray<int> ReadInt32(string path) =>
        Read<int>(path, nameof(ReadInt32), static d => d is NpyDtype.Int32 or NpyDtype.UInt16 or NpyDtype.UInt8 or NpyDtype.Bool);

    /// <summary>Reads an int64 array, or a narrower integer or bool one widened exactly; bool becomes 0 or 1.</summary>
    /// <param name="path">The .npy file.</param>
    /// <returns>The elements in C order and the shape.</returns>
    /// <exception cref="InvalidDataException">The file is not an .npy file, or its header or data is truncated or malformed.</exception>
    /// <exception cref="NotSupportedException">The file holds a float dtype (never rounded here), is in Fortran order or big-endian, or holds more elements than a .NET array can.</exception>
    /// <exception cref="IOException">The file cannot be opened or read.</exception>
    public static NpyArray<long> ReadInt64(string path) =>
        Read<long>(path, nameof(ReadInt64), static d => d is not (NpyDtype.Float32 or NpyDtype.Float64 or NpyDtype.Float16));

    /// <summary>Writes a float32 array (<c>&lt;f4</c>), replacing any existing file.</summary>
    /// <param name="path">The .npy file to write.</param>
    /// <param name="data">The elements in C (row-major) order.</param>
    /// <param name="shape">The dimensions, outermost first; empty for a 0-d array of one element.</param>
    /// <exception cref="ArgumentException">The shape has more than 64 dimensions or a negative one, or its element count differs from <paramref name="data"/>'s length.</exception>
    /// <exception cref="IOException">The file cannot be created or written.</exception>
    public static void Write(string path, ReadOnlySpan<float> data, ReadOnlySpan<int> shape) => Write(path, data, shape, "<f4");

    /// <summary>Writes a float64 array (<c>&lt;f8</c>), replacing any existing file.</summary>
    /// <inheritdoc cref="Write(string, ReadOnlySpan{float}, ReadOnlySpan{int})"/>
    public static void Write(string path, ReadOnlySpan<double> data, ReadOnlySpan<int> shape) => Write(path, data, shape, "<f8");

    /// <summary>Writes a uint8 array (<c>|u1</c>), e.g. a 0/1 mask, replacing any existing file.</summary>
    /// <inheritdoc cref="Write(string, ReadOnlySpan{float}, ReadOnlySpan{int})"/>
    public static void Write(string path, ReadOnlySpan<byte> data, ReadOnlySpan<int> shape) => Write(path, data, shape, "|u1");

    /// <summary>Writes an int32 array (<c>&lt;i4</c>), replacing any existing file.</summary>
    /// <inheritdoc cref="Write(string, ReadOnlySpan{float}, ReadOnlySpan{int})"/>
    public static void Write(string path, ReadOnlySpan<int> data, ReadOnlySpan<int> shape) => Write(path, data, shape, "<i4");

    /// <summary>Writes an int64 array (<c>&lt;i8</c>), replacing any existing file.</summary>
    /// <inheritdoc cref="Write(string, ReadOnlySpan{float}, ReadOnlySpan{int})"/>
    public static void Write(string path, ReadOnlySpan<long> data, ReadOnlySpan<int> shape) => Write(path, data, shape, "<i8");

    private static NpyArray<T> Read<T>(string path, string reader, Func<NpyDtype, bool> accepts)
        where T : unmanaged, INumberBase<T>
    {
        var opened = OpenChecked(path, reader, accepts);
        using var stream = opened.Stream;
        var header = opened.Header;
        long count = header.ElementCount;
        if (count > Array.MaxLength)
            throw new NotSupportedException($"{path} holds {count} elements; a .NET array holds at most {Array.MaxLength}.");

        var data = new T[count];
        switch (header.Dtype)
        {
            case NpyDtype.Float32: ReadInto<float, T>(stream, data); break;
            case NpyDtype.Float64: ReadInto<double, T>(stream, data); break;
            case NpyDtype.Int32: ReadInto<int, T>(stream, data); break;
            case NpyDtype.Int64: ReadInto<long, T>(stream, data); break;
            case NpyDtype.UInt8: ReadInto<byte, T>(stream, data); break;
            case NpyDtype.UInt16: ReadInto<ushort, T>(stream, data); break;
            case NpyDtype.Float16: ReadInto<Half, T>(stream, data); break;
            case NpyDtype.Bool:
                ReadInto<byte, T>(stream, data);
                // numpy counts any non-zero byte as True, and True converts to 1.
                foreach (ref T value in data.AsSpan())
                    value = T.IsZero(value) ? T.Zero : T.One;
                break;
        }
        return new NpyArray<T>(data, header.Shape);
    }

    /// <summary>
    /// Opens the file, checks its header and that the data is exactly the size the header promises, and leaves the
    /// stream at the first data byte.
    /// </summary>
    private static (FileStream Stream, NpyHeader Header) OpenChecked(string path, string reader, Func<NpyDtype, bool> accepts)
    {
        var stream = OpenRead(path);
        try
        {
            var header = ReadHeader(stream, path);
            if (!accepts(header.Dtype))
            {
                var taken = Enum.GetValues<NpyDtype>().Where(accepts).Select(Descr);
                throw new NotSupportedException(
                    $"{path} holds {Descr(header.Dtype)} data; NpyFile.{reader} reads only {string.Join(", ", taken)}, as it never narrows or rounds.");
            }
            // The file's length is checked first: a header promising more than the file holds is corrupt, whatever
            // its size, and nothing is allocated for it.
            long promised = header.ElementCount * ElementSize(header.Dtype);
            long held = stream.Length - stream.Position;
            if (held != promised)
                throw new InvalidDataException(
                    $"{path} holds {held} bytes of data, its header promises {promised} (shape {ShapeText(header.Shape)}, {Descr(header.Dtype)}).");
            return (stream, header);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Maps a float32 or float64 array's data into memory instead of reading it: its values are the file's pages,
    /// shared with the page cache, so a file already cached costs no copy and no allocation of its size.
    /// </summary>
    /// <remarks>The file's header is checked as by <see cref="ReadFloat32"/>; every file Engine reads is C order and little-endian, the host's order.</remarks>
    /// <param name="path">The .npy file.</param>
    /// <returns>The mapping; its values stay valid until it is disposed.</returns>
    /// <exception cref="InvalidDataException">The file is not an .npy file, its header is malformed, or its data is not the size the header promises.</exception>
    /// <exception cref="NotSupportedException">The file holds another dtype, is in Fortran order or big-endian.</exception>
    /// <exception cref="IOException">The file cannot be opened or mapped.</exception>
    public static NpyMapping Map(string path)
    {
        var (stream, header) = OpenChecked(path, nameof(Map), static d => d is NpyDtype.Float32 or NpyDtype.Float64);
        return new NpyMapping(stream, header, stream.Position, header.ElementCount);
    }

    /// <summary>Fills <paramref name="data"/> from the stream, which holds exactly its elements as <typeparamref name="TFile"/>.</summary>
    private static void ReadInto<TFile, T>(Stream stream, Span<T> data)
        where TFile : unmanaged, INumberBase<TFile>
        where T : unmanaged, INumberBase<T>
    {
        if (data.IsEmpty)
            return;
        if (typeof(TFile) == typeof(T))
        {
            int perChunk = ChunkBytes / Unsafe.SizeOf<T>();
            for (int start = 0; start < data.Length; start += perChunk)
                stream.ReadExactly(MemoryMarshal.AsBytes(data.Slice(start, Math.Min(perChunk, data.Length - start))));
            return;
        }

        int fileSize = Unsafe.SizeOf<TFile>();
        byte[] scratch = ArrayPool<byte>.Shared.Rent((int)Math.Min(ChunkBytes, (long)data.Length * fileSize));
        try
        {
            int perChunk = scratch.Length / fileSize;
            for (int start = 0; start < data.Length; start += perChunk)
            {
                int n = Math.Min(perChunk, data.Length - start);
                var bytes = scratch.AsSpan(0, n * fileSize);
                stream.ReadExactly(bytes);
                // For floats "truncating" only means no overflow check: double→float and int→float round to nearest.
                TensorPrimitives.ConvertTruncating(MemoryMarshal.Cast<byte, TFile>(bytes), data.Slice(start, n));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static void Write<T>(string path, ReadOnlySpan<T> data, ReadOnlySpan<int> shape, string descr)
        where T : unmanaged
    {
        if (shape.Length > MaxDimensions)
            throw new ArgumentException($"The shape for {path} has {shape.Length} dimensions; numpy reads at most {MaxDimensions}.", nameof(shape));
        long count = 1;
        foreach (int dim in shape)
        {
            if (dim < 0)
                throw new ArgumentException($"The shape {ShapeText(shape)} for {path} has a negative dimension.", nameof(shape));
            // Stop multiplying once past the data's length: the answer is already "mismatch" and long cannot overflow.
            count = Math.Min(count * dim, (long)int.MaxValue + 1);
        }
        if (count != data.Length)
            throw new ArgumentException($"The shape {ShapeText(shape)} for {path} holds {count} elements but data holds {data.Length}.", nameof(shape));

        byte[] header = Header(descr, shape);
        using var file = AtomicFile.Create(path);
        var stream = file.Stream;
        stream.Write(header);
        int perChunk = ChunkBytes / Unsafe.SizeOf<T>();
        for (int start = 0; start < data.Length; start += perChunk)
            stream.Write(MemoryMarshal.AsBytes(data.Slice(start, Math.Min(perChunk, data.Length - start))));
        file.Commit();
    }

    /// <summary>The magic, version, length and header text, exactly as numpy.save lays them out.</summary>
    internal static byte[] Header(string descr, ReadOnlySpan<int> shape)
    {
        string text = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {ShapeText(shape)}, }}";
        // numpy leaves room to grow the first axis to 21 digits in place (numpy.lib.format.GROWTH_AXIS_MAX_DIGITS).
        if (shape.Length > 0)
            text += new string(' ', 21 - shape[0].ToString(CultureInfo.InvariantCulture).Length);

        // Spaces and a final newline pad magic + header to a multiple of 64 bytes, so the data is aligned for mmap;
        // numpy always adds 1 to 64 of them, never 0. At most 64 dimensions keep the length within version 1.0's
        // 2-byte field, so, like numpy for every array it can hold, this always writes version 1.0.
        const int prefix = 10; // magic (6 bytes), version (2), header length (2)
        text += new string(' ', 64 - (prefix + text.Length + 1) % 64) + "\n";
        var header = new byte[prefix + text.Length];
        Magic.CopyTo(header);
        header[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)text.Length);
        Encoding.Latin1.GetBytes(text, header.AsSpan(prefix));
        return header;
    }

    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096, FileOptions.SequentialScan);

    /// <summary>Reads and checks the header, leaving the stream at the first data byte.</summary>
    private static NpyHeader ReadHeader(Stream stream, string path)
    {
        Span<byte> prefix = stackalloc byte[12];
        int got = stream.ReadAtLeast(prefix[..8], 8, throwOnEndOfStream: false);
        if (got < Magic.Length || !prefix[..Magic.Length].SequenceEqual(Magic))
            throw new InvalidDataException($"{path} is not an .npy file: it does not start with \\x93NUMPY.");
        if (got < 8)
            throw new InvalidDataException($"{path} is truncated: it ends inside the .npy header.");

        byte major = prefix[6], minor = prefix[7];
        // 1.0 has a 2-byte header length; 2.0 widened it to 4 bytes; 3.0 only changed the header text to UTF-8.
        int lengthBytes = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw new NotSupportedException($"{path} is .npy format version {major}.{minor}; Engine reads 1.0, 2.0 and 3.0."),
        };
        // numpy.lib.format refuses every minor version but 0 ("we only support format version (1,0), (2,0), and
        // (3,0)"): a file numpy cannot load is not one Engine reads differently.
        if (minor != 0)
            throw new NotSupportedException($"{path} is .npy format version {major}.{minor}; Engine reads 1.0, 2.0 and 3.0.");
        if (stream.ReadAtLeast(prefix.Slice(8, lengthBytes), lengthBytes, throwOnEndOfStream: false) < lengthBytes)
            throw new InvalidDataException($"{path} is truncated: it ends inside the .npy header.");
        long length = lengthBytes == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..])
            : BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..]);
        if (length > MaxHeaderBytes)
            throw new InvalidDataException($"{path} claims a {length}-byte .npy header; real headers are a few hundred bytes, so the file is corrupt.");

        var bytes = new byte[length];
        if (stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) < bytes.Length)
            throw new InvalidDataException($"{path} is truncated: its .npy header promises {length} bytes but the file ends first.");
        string text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes);
        return ParseHeader(text, path, pythonTwoLongs: major <= 2);
    }

    /// <summary>
    /// Parses the header: the Python dict literal numpy writes, e.g.
    /// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (3, 4), }</c>.
    /// </summary>
    /// <remarks>
    /// numpy reads the header with <c>ast.literal_eval</c> and then demands exactly the keys descr, fortran_order
    /// and shape, a bool fortran_order and a tuple of ints as shape. Everything numpy accepts in the form numpy
    /// writes is read the same here; whatever this parser does not understand, or numpy would read differently
    /// from a simple reading (a key given twice, where Python keeps the last), is refused with a message rather
    /// than guessed at.
    /// </remarks>
    private static NpyHeader ParseHeader(string text, string path, bool pythonTwoLongs)
    {
        if (text.Length > NumpyMaxHeaderLength)
            throw new InvalidDataException(
                $"{path} has a {text.Length}-character .npy header; numpy refuses headers over {NumpyMaxHeaderLength} characters as unsafe, so Engine does too.");
        var entries = new HeaderParser(text, path, pythonTwoLongs).ParseDict();
        var seen = new Dictionary<string, HeaderValue>(StringComparer.Ordinal);
        foreach (var (key, value) in entries)
        {
            if (key is not ("descr" or "fortran_order" or "shape"))
                throw new InvalidDataException(
                    $"{path} has a malformed .npy header: it has the key '{PrintableText.Escape(key)}'; numpy accepts only 'descr', 'fortran_order' and 'shape'.");
            if (!seen.TryAdd(key, value))
                throw new InvalidDataException(
                    $"{path} has a malformed .npy header: it gives '{key}' twice ({PrintableText.Escape(seen[key].Raw)}, then {PrintableText.Escape(value.Raw)}); numpy would silently take the last, so Engine refuses the file.");
        }
        foreach (string key in (string[])["descr", "fortran_order", "shape"])
        {
            if (!seen.ContainsKey(key))
                throw new InvalidDataException($"{path} has a malformed .npy header: it lacks '{key}'.");
        }

        var descrValue = seen["descr"];
        if (descrValue.Value is List<HeaderValue> { } && descrValue.Raw.StartsWith('['))
            throw new NotSupportedException(
                $"{path} holds the structured dtype {PrintableText.Escape(descrValue.Raw)}; Engine reads the plain dtypes {Supported}.");
        if (descrValue.Value is not string descr)
            throw new InvalidDataException($"{path} has a malformed .npy header: descr is {PrintableText.Escape(descrValue.Raw)}, not a string.");
        // A leading byte-order character is optional; '|' (not applicable) is what numpy writes for 1-byte types.
        string kind = descr.Length > 0 && descr[0] is '<' or '>' or '|' or '=' ? descr[1..] : descr;
        NpyDtype dtype = kind switch
        {
            "f4" => NpyDtype.Float32,
            "f8" => NpyDtype.Float64,
            "i4" => NpyDtype.Int32,
            "i8" => NpyDtype.Int64,
            "u1" => NpyDtype.UInt8,
            "b1" => NpyDtype.Bool,
            "u2" => NpyDtype.UInt16,
            "f2" => NpyDtype.Float16,
            _ => throw new NotSupportedException($"{path} holds dtype '{PrintableText.Escape(descr)}'; Engine reads {Supported}."),
        };
        if (descr[0] == '>' && ElementSize(dtype) > 1)
            throw new NotSupportedException($"{path} is big-endian ('{descr}'); save it with a.astype('<{kind}') first.");

        var fortran = seen["fortran_order"];
        if (fortran.Value is true)
            throw new NotSupportedException($"{path} is in Fortran order; save it with numpy.ascontiguousarray first.");
        if (fortran.Value is not false)
            throw new InvalidDataException(
                $"{path} has a malformed .npy header: fortran_order is {PrintableText.Escape(fortran.Raw)}; numpy requires True or False.");

        var shape = seen["shape"];
        string shapeText = PrintableText.Escape(shape.Raw);
        if (shape.Value is not List<HeaderValue> items || !shape.IsTuple)
            throw new InvalidDataException($"{path} has a malformed .npy header: shape is {shapeText}; numpy requires a tuple of integers.");
        if (items.Count > MaxDimensions)
            throw new InvalidDataException($"{path} has a malformed .npy header: shape {shapeText} has {items.Count} dimensions; numpy allows at most {MaxDimensions}.");
        double product = 1;
        foreach (var item in items)
            product *= item.Value is long dim ? dim : throw new InvalidDataException($"{path} has a malformed .npy header: shape is {shapeText}; numpy requires a tuple of integers.");
        // Checked here so that ElementCount × element size can never wrap around: no file holds that many bytes.
        if (product > long.MaxValue / 8)
            throw new InvalidDataException($"{path} has a malformed .npy header: shape {shapeText} has more elements than any file can hold.");
        var dims = new int[items.Count];
        for (int i = 0; i < dims.Length; i++)
        {
            long dim = (long)items[i].Value!;
            if (dim > int.MaxValue)
                throw new NotSupportedException($"{path} has shape {shapeText}; Engine reads dimensions up to {int.MaxValue}.");
            dims[i] = (int)dim;
        }
        return new NpyHeader(dtype, dims);
    }

    /// <summary>A parsed Python literal: a string, a bool, a long (or <see cref="ulong.MaxValue"/>-sized: see <see cref="HeaderParser"/>), a list of values, or null for anything else; and its source text.</summary>
    private sealed record HeaderValue(object? Value, string Raw, bool IsTuple = false);

    /// <summary>
    /// A parser for the small part of Python's literal syntax numpy headers use: a dict with string keys, string
    /// values without escapes, True/False, non-negative decimal integers and tuples or lists of them.
    /// </summary>
    private sealed class HeaderParser(string text, string path, bool pythonTwoLongs)
    {
        private int at;

        public List<(string Key, HeaderValue Value)> ParseDict()
        {
            SkipSpace();
            if (at >= text.Length || text[at] != '{')
                throw Malformed($"it is not a Python dict literal (it starts with '{Snippet(at)}')");
            at++;
            var entries = new List<(string, HeaderValue)>();
            while (true)
            {
                SkipSpace();
                if (at >= text.Length)
                    throw Malformed("the dict is unterminated");
                if (text[at] == '}')
                {
                    at++;
                    break;
                }
                var key = ParseValue("a key");
                if (key.Value is not string name)
                    throw Malformed($"the key {PrintableText.Escape(key.Raw)} is not a string");
                SkipSpace();
                if (at >= text.Length)
                    throw Malformed($"the entry '{PrintableText.Escape(name)}' is unterminated");
                if (text[at] != ':')
                    throw Malformed($"'{Snippet(at)}' where a ':' should follow the key '{PrintableText.Escape(name)}'");
                at++;
                SkipSpace();
                entries.Add((name, ParseValue($"the value of '{PrintableText.Escape(name)}'")));
                SkipSpace();
                if (at >= text.Length)
                    throw Malformed("the dict is unterminated");
                if (text[at] == ',')
                    at++;
                else if (text[at] != '}')
                    throw Malformed($"'{Snippet(at)}' after the value of '{PrintableText.Escape(name)}', where a ',' or '}}' should be");
            }
            SkipSpace();
            if (at < text.Length)
                throw Malformed($"'{Snippet(at)}' follows the dict; only spaces and a newline may");
            return entries;
        }

        private HeaderValue ParseValue(string what)
        {
            if (at >= text.Length)
                throw Malformed($"{what} is unterminated");
            int start = at;
            char c = text[at];
            if (c is '\'' or '"')
            {
                int end = at + 1;
                while (end < text.Length && text[end] != c && text[end] is not ('\\' or '\n' or '\r'))
                    end++;
                if (end >= text.Length || text[end] != c)
                    throw Malformed(end < text.Length && text[end] == '\\'
                        ? $"{what} holds a backslash escape, which Engine does not read"
                        : $"{what} is an unterminated string");
                at = end + 1;
                return new HeaderValue(text[(start + 1)..end], text[start..at]);
            }
            if (c is '(' or '[')
            {
                char close = c == '(' ? ')' : ']';
                at++;
                var items = new List<HeaderValue>();
                bool comma = false;
                while (true)
                {
                    SkipSpace();
                    if (at >= text.Length)
                        throw Malformed($"{what} is unterminated");
                    if (text[at] == close)
                    {
                        at++;
                        break;
                    }
                    items.Add(ParseValue(what));
                    SkipSpace();
                    if (at >= text.Length)
                        throw Malformed($"{what} is unterminated");
                    if (text[at] == ',')
                    {
                        at++;
                        comma = true;
                    }
                    else if (text[at] != close)
                    {
                        // Not a literal this parser knows: report the whole value as written.
                        int end = text.IndexOf(close, at);
                        throw Malformed($"{what} is {PrintableText.Escape(end < 0 ? text[start..] : text[start..(end + 1)])}");
                    }
                }
                string raw = text[start..at];
                // In Python "(3)" is the integer 3, not a tuple; "(3,)" and "()" are tuples.
                if (c == '(' && items.Count == 1 && !comma)
                    return items[0] with { Raw = raw };
                return new HeaderValue(items, raw, IsTuple: c == '(');
            }
            if (char.IsAsciiDigit(c))
            {
                int end = at;
                while (end < text.Length && char.IsAsciiDigit(text[end]))
                    end++;
                string digits = text[at..end];
                // Python 2 wrote long integers as 3L; numpy strips the L from headers of versions 1.0 and 2.0.
                if (pythonTwoLongs && end < text.Length && text[end] is 'L' or 'l')
                    end++;
                if (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] is '_' or '.'))
                    return Other(start);
                at = end;
                // Python 3 forbids leading zeros ("007" is a syntax error).
                if (digits.Length > 1 && digits[0] == '0')
                    return new HeaderValue(null, text[start..end]);
                // Past 18 digits the value cannot be a dimension anyway: keep it as "huge".
                long value = digits.Length > 18 ? long.MaxValue : long.Parse(digits, System.Globalization.CultureInfo.InvariantCulture);
                return new HeaderValue(value, text[start..end]);
            }
            var other = Other(start);
            return other.Raw switch
            {
                "True" => other with { Value = true },
                "False" => other with { Value = false },
                _ => other,
            };
        }

        /// <summary>An unknown token: everything up to the next delimiter, kept as text for the message.</summary>
        private HeaderValue Other(int start)
        {
            int end = start;
            while (end < text.Length && text[end] is not (',' or '}' or ')' or ']' or ':' or ' ' or '\t' or '\n' or '\r' or '\f'))
                end++;
            if (end == start)
                end++;
            at = end;
            return new HeaderValue(null, text[start..end]);
        }

        private void SkipSpace()
        {
            while (at < text.Length && text[at] is ' ' or '\t' or '\n' or '\r' or '\f')
                at++;
        }

        private string Snippet(int from) => PrintableText.Escape(text[from..Math.Min(text.Length, from + 20)]);

        private InvalidDataException Malformed(string why) => new($"{path} has a malformed .npy header: {why}.");
    }

    private static int ElementSize(NpyDtype dtype) => dtype switch
    {
        NpyDtype.Float64 or NpyDtype.Int64 => 8,
        NpyDtype.Float32 or NpyDtype.Int32 => 4,
        NpyDtype.UInt16 or NpyDtype.Float16 => 2,
        _ => 1,
    };

    private static string Descr(NpyDtype dtype) => dtype switch
    {
        NpyDtype.Float32 => "<f4",
        NpyDtype.Float64 => "<f8",
        NpyDtype.Int32 => "<i4",
        NpyDtype.Int64 => "<i8",
        NpyDtype.UInt8 => "|u1",
        NpyDtype.Bool => "|b1",
        NpyDtype.UInt16 => "<u2",
        _ => "<f2",
    };

    /// <summary>A shape as Python writes a tuple: <c>()</c>, <c>(5,)</c>, <c>(2, 3)</c>.</summary>
    private static string ShapeText(ReadOnlySpan<int> shape)
    {
        var text = new StringBuilder("(");
        for (int i = 0; i < shape.Length; i++)
            text.Append(i == 0 ? "" : ", ").Append(shape[i].ToString(CultureInfo.InvariantCulture));
        return text.Append(shape.Length == 1 ? ",)" : ")").ToString();
    }
}
