namespace Engine.Tests.Fuzzing;

/// <summary>The property every reader must keep on every input: a clean, documented error, or the right values.</summary>
internal static class FuzzProperty
{
    /// <summary>The exception families readers document for bad input.</summary>
    public static bool IsExpected(Exception e) =>
        e is InvalidDataException or NotSupportedException or IOException or ArgumentException;

    /// <summary>
    /// Findings for a failed read: an exception of an unexpected type, a message that does not name the file
    /// (<paramref name="names"/>: the path or the file name, any one suffices), or one that is not a single line of
    /// printable text.
    /// </summary>
    public static IEnumerable<Finding> CleanError(Exception e, params string[] names)
    {
        if (!IsExpected(e))
        {
            yield return new Finding($"unexpected {e.GetType().Name}", FuzzCampaign.OneLine(e.Message) + At(e));
            yield break;
        }
        string message = e.Message;
        if (!names.Any(n => message.Contains(n, StringComparison.Ordinal)))
            yield return new Finding("message does not name the file", message);
        if (message.Contains('\n') || message.Contains('\r'))
            yield return new Finding("message is more than one line", FuzzCampaign.OneLine(message));
        else if (message.Any(c => char.IsControl(c) || c == '\uFFFD'))
            yield return new Finding("message has control characters", Escape(message));
    }

    /// <summary>Where an unexpected exception came from: its innermost Engine frame, so the finding points at code.</summary>
    private static string At(Exception e)
    {
        string? frame = e.StackTrace?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Contains("Engine.", StringComparison.Ordinal) && !l.Contains("Engine.Tests", StringComparison.Ordinal));
        return frame is null ? "" : $" ({frame})";
    }

    public static string Escape(string s) =>
        string.Concat(s.Select(c => char.IsControl(c) || c == '\uFFFD' ? $"\\u{(int)c:X4}" : c.ToString()));

    /// <summary>The first index where two arrays differ, as a finding, or null when equal (NaN equals NaN).</summary>
    public static Finding? FirstDifference<T>(ReadOnlySpan<T> actual, ReadOnlySpan<T> expected, string what)
        where T : IEquatable<T>
    {
        if (actual.Length != expected.Length)
            return new Finding("accepted with wrong values", $"{what}: {actual.Length} values, the independent decode has {expected.Length}");
        int differing = 0, first = -1;
        for (int i = 0; i < actual.Length; i++)
        {
            if (!actual[i].Equals(expected[i]) && !(IsNaN(actual[i]) && IsNaN(expected[i])))
            {
                differing++;
                if (first < 0)
                    first = i;
            }
        }
        return differing == 0 ? null
            : new Finding("accepted with wrong values", $"{what}: {differing} of {actual.Length} values differ from the independent decode, first at {first}: {actual[first]} vs {expected[first]}");
    }

    private static bool IsNaN<T>(T v) => v is double d ? double.IsNaN(d) : v is float f && float.IsNaN(f);
}
