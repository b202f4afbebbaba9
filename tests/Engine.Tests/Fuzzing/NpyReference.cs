using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace Engine.Tests.Fuzzing;

/// <summary>
/// An independent .npy decoder that follows numpy.lib.format.read_array: versions (1,0), (2,0), (3,0) only; the
/// header is a Python literal (ast.literal_eval: a later duplicate key wins), must be a dict with exactly the keys
/// descr, fortran_order and shape, shape a tuple of non-negative ints, fortran_order a bool; data may be followed by
/// anything (numpy reads only count elements). Returns the values as float64, or why numpy would refuse the file.
/// </summary>
internal static class NpyReference
{
    // numpy's default max_header_size (numpy.lib.format, since 1.24).
    private const int MaxHeaderSize = 10000;

    public sealed record Decoded(int[] Shape, double[] Values, bool Fortran);

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

    private static Decoded DecodeOrThrow(byte[] file)
    {
        ReadOnlySpan<byte> magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];
        if (file.Length < 8 || !file.AsSpan(0, 6).SequenceEqual(magic))
            throw new FormatException("bad magic");
        (int major, int minor) = (file[6], file[7]);
        if (minor != 0 || major is < 1 or > 3)
            throw new FormatException($"numpy supports format versions (1,0), (2,0), (3,0), not ({major},{minor})");
        int lengthBytes = major == 1 ? 2 : 4;
        if (file.Length < 8 + lengthBytes)
            throw new FormatException("truncated header length");
        long length = lengthBytes == 2 ? BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(8)) : BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(8));
        long start = 8 + lengthBytes;
        if (start + length > file.Length)
            throw new FormatException("EOF while reading the header");
        if (length > MaxHeaderSize)
            throw new FormatException($"header of {length} bytes is over numpy's max_header_size {MaxHeaderSize}");
        string text;
        try
        {
            text = major == 3
                ? new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(file, (int)start, (int)length)
                : Encoding.Latin1.GetString(file, (int)start, (int)length);
        }
        catch (DecoderFallbackException)
        {
            throw new FormatException("header is not UTF-8");
        }
        if (text.Contains('\0'))
            throw new FormatException("source code string cannot contain null bytes");
        // Python 2 files wrote long ints as 3L; numpy's _filter_header drops the L for versions up to 2.0.
        var parser = new PyLiteral(text, allowLongSuffix: major <= 2);
        var value = parser.ParseTop();
        if (value is not Dictionary<object, object> d)
            throw new FormatException("header is not a dictionary");
        if (d.Count != 3 || !d.ContainsKey("descr") || !d.ContainsKey("fortran_order") || !d.ContainsKey("shape"))
            throw new FormatException($"header does not contain the correct keys: {string.Join(", ", d.Keys)}");
        if (d["shape"] is not List<object> { } shapeTuple || !PyLiteral.IsTuple(shapeTuple))
            throw new FormatException("shape is not a tuple");
        var shape = new List<long>();
        foreach (var v in shapeTuple)
        {
            BigInteger dim = v switch
            {
                BigInteger b => b,
                bool flag => flag ? 1 : 0,
                _ => throw new FormatException("shape is not a tuple of ints"),
            };
            if (dim < 0)
                throw new FormatException("negative dimensions are not allowed");
            if (dim > int.MaxValue)
                throw new FormatException("dimension too large for this test's decoder");
            shape.Add((long)dim);
        }
        if (d["fortran_order"] is not bool fortran)
            throw new FormatException("fortran_order is not a bool");
        if (d["descr"] is not string descr)
            throw new FormatException("descr is not a string (structured dtypes are not modelled)");
        if (descr.Length is < 2 or > 3)
            throw new FormatException($"descr '{descr}' is outside the modelled dtypes");
        char order = descr.Length == 3 ? descr[0] : '=';
        string code = descr.Length == 3 ? descr[1..] : descr;
        if (order is not ('<' or '>' or '|' or '='))
            throw new FormatException($"descr '{descr}' has no byte order numpy knows");
        int size = code switch { "f2" or "u2" => 2, "f4" or "i4" => 4, "f8" or "i8" => 8, "u1" or "b1" => 1, _ => 0 };
        if (size == 0)
            throw new FormatException($"descr '{descr}' is outside the modelled dtypes");
        bool big = order == '>' && size > 1;
        long count = 1;
        foreach (long dim in shape)
            count = checked(count * dim);
        long dataStart = start + length;
        if (count * size > file.Length - dataStart)
            throw new FormatException($"cannot reshape: {file.Length - dataStart} data bytes for {count} elements of {size} bytes");
        var values = new double[count];
        for (long i = 0; i < count; i++)
        {
            var e = file.AsSpan((int)(dataStart + i * size), size);
            byte[] le = e.ToArray();
            if (big)
                Array.Reverse(le);
            values[i] = code switch
            {
                "f2" => (double)BitConverter.ToHalf(le),
                "u2" => BitConverter.ToUInt16(le),
                "f4" => BitConverter.ToSingle(le),
                "i4" => BitConverter.ToInt32(le),
                "f8" => BitConverter.ToDouble(le),
                "i8" => BitConverter.ToInt64(le),
                "u1" => le[0],
                _ => le[0] != 0 ? 1 : 0,
            };
        }
        return new Decoded([.. shape.Select(s => (int)s)], values, fortran);
    }

    /// <summary>The part of Python's literal syntax numpy headers use: dicts, tuples, lists, str, int, bool, None.</summary>
    private sealed class PyLiteral(string text, bool allowLongSuffix)
    {
        private int _at;

        // Tuples and lists both parse to List<object>; tuples are remembered by identity.
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<List<object>, object> Tuples = new();

        public static bool IsTuple(List<object> list) => Tuples.TryGetValue(list, out _);

        public object ParseTop()
        {
            // ast.literal_eval strips leading spaces and tabs; the expression may be followed by whitespace.
            while (_at < text.Length && text[_at] is ' ' or '\t')
                _at++;
            var value = Parse();
            SkipSpace();
            if (_at != text.Length)
                throw new FormatException($"unexpected text after the literal at {_at}");
            return value;
        }

        private void SkipSpace()
        {
            while (_at < text.Length)
            {
                char c = text[_at];
                if (c is ' ' or '\t' or '\n' or '\r' or '\f')
                    _at++;
                else if (c == '#')
                {
                    while (_at < text.Length && text[_at] != '\n')
                        _at++;
                }
                else if (c == '\\' && _at + 1 < text.Length && text[_at + 1] == '\n')
                    _at += 2;
                else
                    break;
            }
        }

        private object Parse()
        {
            SkipSpace();
            if (_at >= text.Length)
                throw new FormatException("unexpected end of header");
            char c = text[_at];
            switch (c)
            {
                case '{':
                    {
                        _at++;
                        var d = new Dictionary<object, object>();
                        while (true)
                        {
                            SkipSpace();
                            if (Peek('}'))
                                return d;
                            var key = Parse();
                            if (key is List<object> l && !IsTuple(l))
                                throw new FormatException("unhashable key");
                            SkipSpace();
                            Expect(':');
                            var value = Parse();
                            d[key is List<object> ? Describe(key) : key] = value;
                            SkipSpace();
                            if (Peek('}'))
                                return d;
                            Expect(',');
                        }
                    }
                case '(':
                case '[':
                    {
                        _at++;
                        char close = c == '(' ? ')' : ']';
                        var items = new List<object>();
                        bool comma = false;
                        while (true)
                        {
                            SkipSpace();
                            if (Peek(close))
                                break;
                            items.Add(Parse());
                            SkipSpace();
                            if (Peek(close))
                            {
                                comma = false;
                                break;
                            }
                            Expect(',');
                            comma = true;
                        }
                        // (x) is x, not a tuple; (x,) and () are tuples.
                        if (c == '(' && items.Count == 1 && !comma)
                            return items[0];
                        if (c == '(')
                            Tuples.Add(items, true);
                        return items;
                    }
                case '\'':
                case '"':
                    return ParseString();
                case '-':
                case '+':
                    {
                        _at++;
                        var v = Parse();
                        if (v is BigInteger b)
                            return c == '-' ? -b : b;
                        if (v is bool flag)
                            return c == '-' ? (BigInteger)(flag ? -1 : 0) : (BigInteger)(flag ? 1 : 0);
                        throw new FormatException("unary sign on a non-number");
                    }
            }
            if (char.IsAsciiDigit(c))
                return ParseInt();
            if (char.IsAsciiLetter(c) || c == '_')
            {
                int start = _at;
                while (_at < text.Length && (char.IsAsciiLetterOrDigit(text[_at]) || text[_at] == '_'))
                    _at++;
                string word = text[start.._at];
                if (_at < text.Length && text[_at] is '\'' or '"')
                    throw new FormatException($"string prefix {word} is not modelled");
                return word switch
                {
                    "True" => true,
                    "False" => false,
                    "None" => "\0None",
                    _ => throw new FormatException($"malformed node: name {word}"),
                };
            }
            throw new FormatException($"unexpected character U+{(int)c:X4} at {_at}");
        }

        private object ParseInt()
        {
            int start = _at;
            while (_at < text.Length && (char.IsAsciiDigit(text[_at]) || text[_at] == '_'))
                _at++;
            string digits = text[start.._at];
            if (_at < text.Length && (char.IsAsciiLetter(text[_at]) || text[_at] == '.'))
            {
                if (allowLongSuffix && text[_at] is 'L' or 'l' && (_at + 1 == text.Length || !char.IsAsciiLetterOrDigit(text[_at + 1])))
                    _at++;
                else
                    throw new FormatException($"number literal {digits}{text[_at]}… is not an int");
            }
            if (digits.StartsWith('_') || digits.EndsWith('_') || digits.Contains("__"))
                throw new FormatException($"invalid int literal {digits}");
            digits = digits.Replace("_", "");
            // Python 3 forbids leading zeros in a non-zero decimal literal.
            if (digits.Length > 1 && digits[0] == '0' && digits.Any(ch => ch != '0'))
                throw new FormatException($"leading zeros in decimal integer literal {digits}");
            return BigInteger.Parse(digits, CultureInfo.InvariantCulture);
        }

        private string ParseString()
        {
            char quote = text[_at];
            bool triple = _at + 2 < text.Length && text[_at + 1] == quote && text[_at + 2] == quote;
            _at += triple ? 3 : 1;
            var s = new StringBuilder();
            while (true)
            {
                if (_at >= text.Length)
                    throw new FormatException("unterminated string");
                char c = text[_at];
                if (!triple && c == quote)
                {
                    _at++;
                    return s.ToString();
                }
                if (triple && c == quote && _at + 2 < text.Length && text[_at + 1] == quote && text[_at + 2] == quote)
                {
                    _at += 3;
                    return s.ToString();
                }
                if (!triple && c == '\n')
                    throw new FormatException("EOL while scanning string literal");
                if (c == '\\')
                    throw new FormatException("escape sequences in strings are not modelled");
                s.Append(c);
                _at++;
            }
        }

        private bool Peek(char c)
        {
            if (_at < text.Length && text[_at] == c)
            {
                _at++;
                return true;
            }
            return false;
        }

        private void Expect(char c)
        {
            if (!Peek(c))
                throw new FormatException(_at < text.Length ? $"expected '{c}' at {_at}, found '{text[_at]}'" : $"expected '{c}' at the end");
        }

        private static string Describe(object key) => "\0tuple";
    }
}
