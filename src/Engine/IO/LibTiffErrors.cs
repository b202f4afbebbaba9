using System.Globalization;
using BitMiracle.LibTiff.Classic;

namespace Engine.IO;

/// <summary>
/// Collects LibTiff's error messages for the calls this thread makes until disposed, instead of LibTiff printing
/// them to stderr; its warnings are dropped.
/// </summary>
internal sealed class LibTiffErrors : IDisposable
{
    [ThreadStatic]
    private static List<string>? current;

    private readonly List<string>? outer;
    private readonly List<string> messages = [];

    public LibTiffErrors()
    {
        Router.EnsureInstalled();
        outer = current;
        current = messages;
    }

    public void Dispose() => current = outer;

    /// <summary>Throws <see cref="Failure"/> if LibTiff reported any error so far.</summary>
    public void ThrowIfAny(string path, string problem)
    {
        if (messages.Count > 0)
            throw Failure(path, problem);
    }

    /// <summary>"{path} {problem}: {LibTiff's messages}." as an exception to throw.</summary>
    public InvalidDataException Failure(string path, string problem, Exception? inner = null) =>
        new(messages.Count == 0
            ? $"{path} {problem}."
            : $"{path} {problem}: LibTiff says \"{string.Join("; ", messages)}\".", inner);

    /// <summary>
    /// LibTiff has one error handler for the whole process. This one takes the messages of threads inside a
    /// <see cref="LibTiffErrors"/> and passes everything else to the handler installed before it, so other
    /// users of LibTiff in the process see no change.
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
            if (current is { } messages)
                messages.Add(string.Format(CultureInfo.InvariantCulture, format, args));
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
            if (current is null)
                previous.WarningHandler(tif, method, format, args);
        }

        public override void WarningHandlerExt(Tiff tif, object clientData, string method, string format, params object[] args)
        {
            if (current is null)
                previous.WarningHandlerExt(tif, clientData, method, format, args);
        }
    }
}
