using System.Globalization;

namespace Engine.Volumes;

/// <summary>
/// An inclusive range of slice positions in a volume, as the CLI writes it: <c>15..49</c> is the middle 35 of 65
/// slices (positions count from 0 in the numeric order of the slice files, so in the ink-detection layout
/// position 15 is <c>15.tif</c>).
/// </summary>
/// <param name="First">The first slice, from 0.</param>
/// <param name="Last">The last slice, inclusive.</param>
public readonly record struct SliceRange(int First, int Last)
{
    /// <summary>Slices in the range.</summary>
    public int Count => Last - First + 1;

    /// <summary>Parses <c>FIRST..LAST</c> (inclusive) or a single slice <c>N</c>.</summary>
    /// <param name="text">The range.</param>
    /// <returns>The range.</returns>
    /// <exception cref="ArgumentException">The text is not of that form, a bound is negative, or LAST is below FIRST.</exception>
    public static SliceRange Parse(string text)
    {
        string[] parts = text.Split("..");
        if (parts.Length is < 1 or > 2 || !parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            throw new ArgumentException($"The slice range \"{text}\" is not FIRST..LAST (inclusive, e.g. 15..49) or one slice N.", nameof(text));
        int first = int.Parse(parts[0], CultureInfo.InvariantCulture);
        int last = int.Parse(parts[^1], CultureInfo.InvariantCulture);
        if (last < first)
            throw new ArgumentException($"The slice range \"{text}\" ends before it starts.", nameof(text));
        return new SliceRange(first, last);
    }

    /// <inheritdoc/>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{First}..{Last}");
}
