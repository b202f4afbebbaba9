using Engine.Segmentation;

namespace Engine.Cli;

/// <summary>Library errors about values read from a file, rewritten to name the file and the CLI's flags.</summary>
internal static class InputErrors
{
    /// <summary>
    /// A NaN among a quantile's values, as the user sees it: the file, the first NaN's position (row and column of
    /// a map when its width is known) and the flag that skips NaNs.
    /// </summary>
    /// <param name="e">The library's exception.</param>
    /// <param name="path">The file the values came from.</param>
    /// <param name="width">The map's width, or 0 for values read flat.</param>
    /// <param name="flag">The option that skips NaNs, or null where the command has none.</param>
    public static ArgumentException NaN(QuantileNaNException e, string path, int width, string? flag)
    {
        string where = width > 0 ? $"value {e.Index} (row {e.Index / width}, column {e.Index % width})" : $"value {e.Index}";
        string fix = flag is null ? "NaNs cannot be skipped here." : $"Pass {flag} to skip NaNs like numpy.nanquantile.";
        return new ArgumentException($"{path}: {where} is NaN ({e.Count} selected values are); numpy.quantile would return NaN. {fix}", e);
    }
}
