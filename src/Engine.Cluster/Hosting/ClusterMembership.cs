namespace Engine.Cluster.Hosting;

/// <summary>How the silos find each other: the <c>--clustering</c> value.</summary>
/// <param name="Kind">localhost, redis or adonet.</param>
/// <param name="Target">For redis, the server's HOST:PORT (a StackExchange.Redis configuration string); for adonet, the connection string.</param>
/// <param name="Invariant">For adonet, the ADO.NET provider's invariant name (e.g. Npgsql, Microsoft.Data.SqlClient, MySql.Data.MySqlClient).</param>
public sealed record ClusterMembership(string Kind, string? Target, string? Invariant)
{
    /// <summary>Parses <c>localhost</c>, <c>redis=HOST:PORT</c> or <c>adonet=INVARIANT:CONNECTION STRING</c>.</summary>
    /// <exception cref="ArgumentException">The value is none of these.</exception>
    public static ClusterMembership Parse(string text)
    {
        if (text == "localhost")
            return new ClusterMembership("localhost", null, null);
        if (text.StartsWith("redis=", StringComparison.Ordinal) && text.Length > "redis=".Length)
            return new ClusterMembership("redis", text["redis=".Length..], null);
        if (text.StartsWith("adonet=", StringComparison.Ordinal))
        {
            string value = text["adonet=".Length..];
            int colon = value.IndexOf(':');
            if (colon > 0 && colon < value.Length - 1)
                return new ClusterMembership("adonet", value[(colon + 1)..], value[..colon]);
        }
        throw new ArgumentException($"--clustering {text} is not localhost, redis=HOST:PORT or adonet=INVARIANT:CONNECTION STRING.");
    }
}
