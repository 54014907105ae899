using Microsoft.Extensions.Logging;

namespace Nexodus.Mesh.Node.WireGuard;

internal sealed partial class Device
{
    internal void LogHandshakeGaveUp(Peer peer) => Log.HandshakeGaveUp(_logger, peer.ToString(), Protocol.MaxTimerHandshakes + 2);

    internal void LogHandshakeRetry(Peer peer) => Log.HandshakeRetry(_logger, peer.ToString());

    internal void LogNewHandshakeAfterSilence(Peer peer) => Log.NewHandshakeAfterSilence(_logger, peer.ToString());

    internal void LogSentInitiation(Peer peer) => Log.SentInitiation(_logger, peer.ToString());

    internal void LogTimerFailed(Peer peer, string timer, Exception e) => Log.TimerFailed(_logger, e, peer.ToString(), timer);

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Error, Message = "{Peer}: timer {Timer} failed")]
        public static partial void TimerFailed(ILogger logger, Exception exception, string peer, string timer);

        [LoggerMessage(Level = LogLevel.Information, Message = "{Peer}: handshake did not complete after {Attempts} attempts, giving up")]
        public static partial void HandshakeGaveUp(ILogger logger, string peer, int attempts);

        [LoggerMessage(Level = LogLevel.Debug, Message = "{Peer}: handshake did not complete after 5 seconds, retrying")]
        public static partial void HandshakeRetry(ILogger logger, string peer);

        [LoggerMessage(Level = LogLevel.Debug, Message = "{Peer}: retrying handshake because we stopped hearing back")]
        public static partial void NewHandshakeAfterSilence(ILogger logger, string peer);

        [LoggerMessage(Level = LogLevel.Debug, Message = "{Peer}: sending handshake initiation")]
        public static partial void SentInitiation(ILogger logger, string peer);

        [LoggerMessage(Level = LogLevel.Debug, Message = "{Peer}: handshake complete ({Role})")]
        public static partial void HandshakeComplete(ILogger logger, string peer, string role);

        [LoggerMessage(Level = LogLevel.Trace, Message = "dropped datagram from {From}: {Reason}")]
        public static partial void Dropped(ILogger logger, string from, string reason);

        [LoggerMessage(Level = LogLevel.Error, Message = "{Loop} loop failed")]
        public static partial void LoopFailed(ILogger logger, Exception ex, string loop);

        [LoggerMessage(Level = LogLevel.Information, Message = "under load: demanding cookies")]
        public static partial void UnderLoad(ILogger logger);
    }
}
