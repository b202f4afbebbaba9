namespace Engine.Cluster;

/// <summary>
/// A cluster operation that cannot be done as asked: no silo answers, an index is not loaded, a shard has no live
/// replica. The message is one line for the user; it crosses from silo to client intact.
/// </summary>
[GenerateSerializer]
public sealed class ClusterException : Exception
{
    /// <summary>Creates the exception with its one-line message.</summary>
    public ClusterException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with its one-line message and the failure behind it.</summary>
    public ClusterException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>The first line of a failure's message: Orleans puts the remote stack trace after it.</summary>
    public static string FirstLine(Exception e) => e.Message.Split('\n', 2)[0].TrimEnd();
}
