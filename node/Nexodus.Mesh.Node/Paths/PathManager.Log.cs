using Microsoft.Extensions.Logging;

namespace Nexodus.Mesh.Node.Paths;

internal sealed partial class PathManager
{
    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "peer {Peer}: path {Kind} {Path} ({Why})")]
        public static partial void PathChanged(ILogger logger, string peer, string kind, string path, string why);

        [LoggerMessage(Level = LogLevel.Warning, Message = "netmap: {Problem}")]
        public static partial void BadPeer(ILogger logger, string problem);

        [LoggerMessage(Level = LogLevel.Error, Message = "{Handler} failed")]
        public static partial void HandlerFailed(ILogger logger, Exception ex, string handler);

        [LoggerMessage(Level = LogLevel.Trace, Message = "dropped disco datagram from {From}: {Reason}")]
        public static partial void DiscoDropped(ILogger logger, string from, string reason);

        [LoggerMessage(Level = LogLevel.Information, Message = "relay region {Region}: connecting to {Url}")]
        public static partial void RelayStarted(ILogger logger, int region, string url);

        [LoggerMessage(Level = LogLevel.Warning, Message = "endpoint discovery failed")]
        public static partial void DiscoveryFailed(ILogger logger, Exception ex);

        [LoggerMessage(Level = LogLevel.Information, Message = "NAT behaviour against {Server}: mapping {Mapping}, filtering {Filtering} {Notes}")]
        public static partial void NatDiscovered(ILogger logger, string server, string mapping, string filtering, string notes);

        [LoggerMessage(Level = LogLevel.Information, Message = "home relay region {Region}")]
        public static partial void HomeRegion(ILogger logger, int region);

        [LoggerMessage(Level = LogLevel.Information, Message = "reachability: endpoints [{Endpoints}], home relay {Home}, NAT {Mapping}/{Filtering}, udp blocked {UdpBlocked}")]
        public static partial void Reachability(ILogger logger, string endpoints, int home, string mapping, string filtering, bool udpBlocked);
    }
}
