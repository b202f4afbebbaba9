using System.Globalization;
using System.Text;
using BitMiracle.LibTiff.Classic;

namespace Engine.IO;

/// <summary>
/// Collects LibTiff's errors, and those of its warnings that mean data was lost, for the calls this thread makes
/// until disposed, instead of LibTiff printing them to stderr; its other warnings are kept apart
/// (<see cref="Warnings"/>) and never printed.
/// </summary>
internal sealed class LibTiffErrors : IDisposable
{
    [ThreadStatic]
    private static LibTiffErrors? current;

    private readonly LibTiffErrors? outer;
    private readonly List<string> messages = [];
    private readonly List<string> warnings = [];

    public LibTiffErrors()
    {
        Router.EnsureInstalled();
        outer = current;
        current = this;
    }

    /// <summary>The warnings that do not mean data was lost (unknown private tags and the like), for a verbose mode.</summary>
    public IReadOnlyList<string> Warnings => warnings;

    public void Dispose() => current = outer;

    /// <summary>Throws <see cref="Failure"/> if LibTiff reported any error, or a warning of lost data, so far.</summary>
    public void ThrowIfAny(string path, string problem)
    {
        if (messages.Count > 0)
            throw Failure(path, problem);
    }

    /// <summary>"{path} {problem}: {LibTiff's messages}." as an exception to throw, on one line.</summary>
    public InvalidDataException Failure(string path, string problem, Exception? inner = null) =>
        new(messages.Count == 0
            ? $"{path} {problem}."
            : $"{path} {problem}: LibTiff says \"{string.Join("; ", messages.Take(3))}{(messages.Count > 3 ? $"; … {messages.Count - 3} more" : "")}\".", inner);

    // Substrings of LibTiff.NET's warnings that mean pixels or pages were dropped, cut, guessed or skipped, so a
    // read that went on would return something other than what the file was meant to hold: PackBits discarding
    // bytes that overrun the strip, byte counts that were wrong and recomputed, tags trimmed or ignored for a bad
    // count or type (the sizes Engine relies on are checked by TiffLayout first, but this covers the rest), a
    // directory that could not be read, a seek or read past the end. Everything else — an unknown private tag
    // (ImageJ's, GDAL's), tags out of order, a nonstandard tile size, a missing photometric guessed — describes a
    // file that is read exactly as written, and is dropped.
    private static readonly string[] DataLoss =
    [
        "discard", "truncat", "bogus", "calculating from imagelength", "trimmed", "incorrect count",
        "not terminated", "cannot read", "can not read", "error fetching", "seek error", "read error", "premature",
        "corrupt", "overflow", "loop detected", "not enough data", "wrong \"stripbytecounts\"", "sanity check",
    ];

    /// <summary>Whether LibTiff's warning means data was lost (see <see cref="DataLoss"/>).</summary>
    internal static bool IsDataLoss(string warning) =>
        !warning.Contains("unknown field", StringComparison.OrdinalIgnoreCase)
        && !warning.Contains("not sorted in ascending order", StringComparison.OrdinalIgnoreCase)
        && DataLoss.Any(d => warning.Contains(d, StringComparison.OrdinalIgnoreCase));

    private static string Format(string method, string format, object[] args) =>
        PrintableText.EscapeControls(string.IsNullOrEmpty(method) ? Text(format, args) : $"{method}: {Text(format, args)}");

    private static string Text(string format, object[] args)
    {
        string text;
        try
        {
            text = args.Length == 0 ? format : string.Format(CultureInfo.InvariantCulture, format, args);
        }
        catch (FormatException)
        {
            text = format;
        }
        return text;
    }

    /// <summary>
    /// LibTiff has one error handler for the whole process. This one takes the messages of threads inside a
    /// <see cref="LibTiffErrors"/>; outside one (no Engine code calls LibTiff there) errors go to the handler
    /// installed before it, so other users of LibTiff in the process see no change, and warnings are dropped.
    /// </summary>
    private sealed class Router : TiffErrorHandler
    {
        private static readonly Router Instance = new();
        private readonly TiffErrorHandler previous;

        // LibTiff installs its default (stderr) handler only when it creates its first Tiff; before that there
        // is none to pass on to, so a default one stands in for it.
        private Router() => previous = Tiff.SetErrorHandler(this) ?? new TiffErrorHandler();

        /// <summary>Runs the static initializer, which installs the router exactly once.</summary>
        public static void EnsureInstalled() => GC.KeepAlive(Instance);

        public override void ErrorHandler(Tiff tif, string method, string format, params object[] args)
        {
            if (current is { } scope)
                scope.messages.Add(Format(method, format, args));
            else
                previous.ErrorHandler(tif, method, format, args);
        }

        public override void ErrorHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args)
        {
            if (current is null)
                previous.ErrorHandlerExt(tif, clientData, method, format, args);
        }

        public override void WarningHandler(Tiff tif, string method, string format, params object[] args)
        {
            if (current is not { } scope)
                return;
            (IsDataLoss(Text(format, args)) ? scope.messages : scope.warnings).Add(Format(method, format, args));
        }

        public override void WarningHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args)
        {
        }
    }
}
