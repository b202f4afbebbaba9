namespace Engine.Cli;

/// <summary>Parses an option's word into one of its values: one table per option, one error message for all.</summary>
internal static class Choice
{
    /// <summary>The value named <paramref name="text"/> (case-insensitive) among <paramref name="choices"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="text"/> names none of them; the message lists the names.</exception>
    public static T Parse<T>(string option, string text, params ReadOnlySpan<(string Name, T Value)> choices)
    {
        foreach (var (name, value) in choices)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
                return value;
        }
        var names = new List<string>();
        foreach (var choice in choices)
            names.Add(choice.Name);
        throw new ArgumentException($"{option} {text} is not one of {string.Join(", ", names)}.");
    }
}
