using System.Net;
using System.Net.Sockets;

namespace Nexodus.Mesh.Relay.Tests.Support;

internal static class FreePort
{
    /// <summary>An ephemeral loopback TCP port that was free a moment ago (for relays that must know each other's URL up front).</summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
