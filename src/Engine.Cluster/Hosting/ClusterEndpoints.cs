using System.Globalization;
using System.Net;

namespace Engine.Cluster.Hosting;

/// <summary>Parses the <c>HOST:PORT[,HOST:PORT…]</c> endpoints of the command line.</summary>
public static class ClusterEndpoints
{
    /// <summary>Parses one <c>HOST:PORT</c>; HOST is an IP address or a name resolved now.</summary>
    /// <param name="text">The endpoint.</param>
    /// <param name="option">The option it came from, for the message.</param>
    /// <exception cref="ArgumentException">The text is not HOST:PORT, the port is not in [1, 65535], or the host does not resolve.</exception>
    public static IPEndPoint Parse(string text, string option)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port < 1 || port > 65535)
            throw new ArgumentException($"{option} {text} is not HOST:PORT with a port in [1, 65535].");
        string host = text[..colon].Trim('[', ']');
        if (IPAddress.TryParse(host, out var address))
            return new IPEndPoint(address, port);
        try
        {
            var addresses = Dns.GetHostAddresses(host);
            var chosen = addresses.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
                ?? throw new ArgumentException($"{option} {text}: the host {host} has no address.");
            return new IPEndPoint(chosen, port);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new ArgumentException($"{option} {text}: the host {host} does not resolve ({e.Message}).", e);
        }
    }

    /// <summary>Parses a comma-separated list of <c>HOST:PORT</c>.</summary>
    /// <exception cref="ArgumentException">The list is empty or an endpoint is malformed.</exception>
    public static IPEndPoint[] ParseList(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
            throw new ArgumentException($"{option} is empty; give HOST:PORT[,HOST:PORT…] (the silos' gateway endpoints).");
        return parts.Select(p => Parse(p, option)).ToArray();
    }
}
