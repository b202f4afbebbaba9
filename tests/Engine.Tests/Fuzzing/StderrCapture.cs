using System.Text;

namespace Engine.Tests.Fuzzing;

/// <summary>
/// Holds what is written to <see cref="Console.Error"/> while a fuzz test runs — LibTiff's default handler prints
/// there whatever Engine did not capture — so that a check can tell that a message escaped.
/// </summary>
internal sealed class StderrCapture : IDisposable
{
    private static readonly StringWriter Writer = new();
    private readonly TextWriter _previous;

    private StderrCapture()
    {
        _previous = Console.Error;
        Console.SetError(TextWriter.Synchronized(Writer));
    }

    public static StderrCapture Begin() => new();

    /// <summary>Everything written since the last call, then forgotten.</summary>
    public static string Take()
    {
        lock (Writer)
        {
            var sb = Writer.GetStringBuilder();
            string text = sb.ToString();
            sb.Clear();
            return text;
        }
    }

    public void Dispose() => Console.SetError(_previous);
}
