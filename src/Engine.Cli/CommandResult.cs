using System.Globalization;

namespace Engine.Cli;

/// <summary>
/// What a command prints, as one record: with <c>--json</c> the record serialized as one JSON object (camelCase
/// properties, NaN as <c>"NaN"</c>), else its <see cref="WriteText"/>. A field added to the record is in the JSON.
/// </summary>
internal abstract record CommandResult
{
    /// <summary>The form for a person at a terminal.</summary>
    public abstract void WriteText(TextWriter output);

    /// <summary>Writes this result as JSON when <paramref name="json"/> is set, else as text.</summary>
    public void Write(TextWriter output, bool json)
    {
        if (json)
            CommandLine.WriteJson(output, this);
        else
            WriteText(output);
    }

    /// <summary><paramref name="value"/> in <paramref name="format"/>, the same on every machine.</summary>
    protected static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
