using System.Globalization;
using System.Text;

namespace Engine.IO;

/// <summary>Text read from a file, made safe to put in a one-line error message.</summary>
internal static class PrintableText
{
    /// <summary>
    /// The bytes as ASCII, each byte outside printable ASCII (0x20–0x7E) written as <c>\xNN</c> and a backslash as
    /// <c>\\</c>, so a garbage chunk type or header can never break a message over lines or into a terminal escape.
    /// </summary>
    public static string Escape(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            if (b == (byte)'\\')
                text.Append(@"\\");
            else if (b is >= 0x20 and <= 0x7E)
                text.Append((char)b);
            else
                text.Append(@"\x").Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }

    /// <summary>
    /// The text with every character outside printable ASCII written as <c>\xNN</c> (or <c>\uNNNN</c>), for
    /// strings decoded from a file (an .npy header's values), so a message stays one clean line.
    /// </summary>
    public static string Escape(string text, int maxLength = 80)
    {
        var result = new StringBuilder(Math.Min(text.Length, maxLength) + 8);
        foreach (char c in text)
        {
            if (result.Length >= maxLength)
            {
                result.Append('…');
                break;
            }
            if (c == '\\')
                result.Append(@"\\");
            else if (c is >= ' ' and <= '~')
                result.Append(c);
            else if (c <= 0xFF)
                result.Append(@"\x").Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            else
                result.Append(@"\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
        }
        return result.ToString();
    }

    /// <summary>
    /// <paramref name="text"/> with control characters and other non-printable ones written as \xNN or \uNNNN,
    /// so that text from a file (a tag name, LibTiff quoting it) can never break a one-line message.
    /// </summary>
    public static string EscapeControls(string text)
    {
        if (!text.Any(IsUnprintable))
            return text;
        var result = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            if (!IsUnprintable(c))
                result.Append(c);
            else if (c <= 0xFF)
                result.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
            else
                result.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
        }
        return result.ToString();
    }

    private static bool IsUnprintable(char c) =>
        char.IsControl(c) || char.IsSurrogate(c) || char.GetUnicodeCategory(c) is UnicodeCategory.Format
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.OtherNotAssigned;
}
