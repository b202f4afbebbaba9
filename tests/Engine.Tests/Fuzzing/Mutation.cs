using System.Buffers.Binary;

namespace Engine.Tests.Fuzzing;

/// <summary>A place in a file whose meaning is known: a length, a count, an offset, a dimension.</summary>
/// <param name="Offset">First byte.</param>
/// <param name="Size">1, 2, 4 or 8 bytes.</param>
/// <param name="Name">What it is, for failure messages ("IHDR width", "IFD 0 entry 3 count").</param>
/// <param name="BigEndian">The field's byte order.</param>
internal sealed record Field(int Offset, int Size, string Name, bool BigEndian = false);

/// <summary>One mutated input and how it was made.</summary>
internal sealed record Mutant(byte[] Bytes, string Description);

/// <summary>
/// Deterministic mutations of a seed file: byte and bit flips, truncation, insertion and deletion of runs, and
/// corruption of the structured fields a format names (lengths, counts, offsets, sizes), including huge values.
/// </summary>
internal static class Mutator
{
    /// <summary>Values that break size arithmetic: zero, one, sign bits, all ones, just past int and uint.</summary>
    private static readonly long[] Interesting =
        [0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 1L << 32, long.MaxValue, -1, 30000, 100000, 1 << 24];

    /// <summary>Applies one to three mutations chosen by <paramref name="rng"/>.</summary>
    public static Mutant Mutate(byte[] seed, IReadOnlyList<Field> fields, Random rng,
        IReadOnlyList<Func<byte[], Random, Mutant?>>? formatMutations = null)
    {
        byte[] bytes = seed;
        var steps = new List<string>();
        int count = rng.Next(4) switch { 0 or 1 => 1, 2 => 2, _ => 3 };
        for (int s = 0; s < count; s++)
        {
            // Structured corruption first among equals: that is where readers trust the file.
            int kind = rng.Next(formatMutations is { Count: > 0 } ? 9 : 8);
            Mutant? m = kind switch
            {
                0 => ByteFlip(bytes, rng),
                1 => BitFlip(bytes, rng),
                2 => Truncate(bytes, rng, fields),
                3 => InsertRun(bytes, rng),
                4 => DeleteRun(bytes, rng),
                5 or 6 when fields.Count > 0 => CorruptField(bytes, rng, fields),
                5 or 6 or 7 => ByteFlip(bytes, rng),
                _ => formatMutations![rng.Next(formatMutations!.Count)](bytes, rng),
            };
            if (m is null)
                continue;
            bytes = m.Bytes;
            steps.Add(m.Description);
            // Later mutations would aim at the seed's field offsets, which a length change has moved.
            if (bytes.Length != seed.Length)
                fields = [];
        }
        if (steps.Count == 0)
            return ByteFlip(seed, rng);
        return new Mutant(bytes, string.Join(" + ", steps));
    }

    public static Mutant ByteFlip(byte[] seed, Random rng)
    {
        var bytes = (byte[])seed.Clone();
        if (bytes.Length == 0)
            return new Mutant([0], "empty file given one byte");
        int n = 1 + rng.Next(4);
        var where = new List<string>();
        for (int i = 0; i < n; i++)
        {
            int at = rng.Next(bytes.Length);
            byte old = bytes[at];
            bytes[at] = (byte)rng.Next(256);
            where.Add($"@{at}:{old:X2}->{bytes[at]:X2}");
        }
        return new Mutant(bytes, $"byte flip {string.Join(",", where)}");
    }

    public static Mutant BitFlip(byte[] seed, Random rng)
    {
        var bytes = (byte[])seed.Clone();
        if (bytes.Length == 0)
            return new Mutant([1], "empty file given one byte");
        int at = rng.Next(bytes.Length), bit = rng.Next(8);
        bytes[at] ^= (byte)(1 << bit);
        return new Mutant(bytes, $"bit flip @{at} bit {bit}");
    }

    public static Mutant Truncate(byte[] seed, Random rng, IReadOnlyList<Field> fields)
    {
        // Half the cuts fall at or next to a field, where a reader most likely stops checking.
        int at = fields.Count > 0 && rng.Next(2) == 0
            ? Math.Clamp(fields[rng.Next(fields.Count)].Offset + rng.Next(-1, 3), 0, seed.Length)
            : rng.Next(seed.Length + 1);
        if (at >= seed.Length)
            at = Math.Max(0, seed.Length - 1 - rng.Next(Math.Max(1, seed.Length / 8)));
        return new Mutant(seed[..at], $"truncate to {at} of {seed.Length} bytes");
    }

    public static Mutant InsertRun(byte[] seed, Random rng)
    {
        int at = rng.Next(seed.Length + 1), n = 1 + rng.Next(rng.Next(2) == 0 ? 8 : 300);
        byte fill = (byte)rng.Next(256);
        bool random = rng.Next(2) == 0;
        var run = new byte[n];
        for (int i = 0; i < n; i++)
            run[i] = random ? (byte)rng.Next(256) : fill;
        return new Mutant([.. seed[..at], .. run, .. seed[at..]], $"insert {n} {(random ? "random bytes" : $"bytes 0x{fill:X2}")} @{at}");
    }

    public static Mutant? DeleteRun(byte[] seed, Random rng)
    {
        if (seed.Length < 2)
            return null;
        int at = rng.Next(seed.Length), n = Math.Min(seed.Length - at, 1 + rng.Next(rng.Next(2) == 0 ? 8 : 300));
        return new Mutant([.. seed[..at], .. seed[(at + n)..]], $"delete {n} bytes @{at}");
    }

    public static Mutant CorruptField(byte[] seed, Random rng, IReadOnlyList<Field> fields)
    {
        var field = fields[rng.Next(fields.Count)];
        var bytes = (byte[])seed.Clone();
        if (field.Offset + field.Size > bytes.Length)
            return ByteFlip(seed, rng);
        var span = bytes.AsSpan(field.Offset, field.Size);
        long old = Read(span, field.BigEndian);
        long value = rng.Next(6) switch
        {
            0 => old + 1,
            1 => old - 1,
            2 => old * 2 + rng.Next(3),
            3 => old ^ (1L << rng.Next(field.Size * 8)),
            4 => rng.NextInt64(),
            _ => Interesting[rng.Next(Interesting.Length)],
        };
        Write(span, value, field.BigEndian);
        return new Mutant(bytes, $"field {field.Name} @{field.Offset} {old} -> {Read(span, field.BigEndian)}");
    }

    /// <summary>Sets a field to a value chosen by the caller (huge declared sizes).</summary>
    public static Mutant SetField(byte[] seed, Field field, long value)
    {
        var bytes = (byte[])seed.Clone();
        var span = bytes.AsSpan(field.Offset, field.Size);
        long old = Read(span, field.BigEndian);
        Write(span, value, field.BigEndian);
        return new Mutant(bytes, $"field {field.Name} @{field.Offset} {old} -> {Read(span, field.BigEndian)}");
    }

    public static long Read(ReadOnlySpan<byte> span, bool bigEndian) => (span.Length, bigEndian) switch
    {
        (1, _) => span[0],
        (2, false) => BinaryPrimitives.ReadUInt16LittleEndian(span),
        (2, true) => BinaryPrimitives.ReadUInt16BigEndian(span),
        (4, false) => BinaryPrimitives.ReadUInt32LittleEndian(span),
        (4, true) => BinaryPrimitives.ReadUInt32BigEndian(span),
        (8, false) => BinaryPrimitives.ReadInt64LittleEndian(span),
        _ => BinaryPrimitives.ReadInt64BigEndian(span),
    };

    public static void Write(Span<byte> span, long value, bool bigEndian)
    {
        switch (span.Length, bigEndian)
        {
            case (1, _): span[0] = (byte)value; break;
            case (2, false): BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)value); break;
            case (2, true): BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)value); break;
            case (4, false): BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)value); break;
            case (4, true): BinaryPrimitives.WriteUInt32BigEndian(span, (uint)value); break;
            case (8, false): BinaryPrimitives.WriteInt64LittleEndian(span, value); break;
            default: BinaryPrimitives.WriteInt64BigEndian(span, value); break;
        }
    }
}
