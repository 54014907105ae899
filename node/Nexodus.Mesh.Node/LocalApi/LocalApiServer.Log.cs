using Microsoft.Extensions.Logging;

namespace Nexodus.Mesh.Node.LocalApi;

internal sealed partial class LocalApiServer
{
    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "local API on {Path}")]
        public static partial void Listening(ILogger logger, string path);

        [LoggerMessage(Level = LogLevel.Debug, Message = "local API: uid {Uid} refused (not root, not the owner)")]
        public static partial void Forbidden(ILogger logger, uint uid);

        [LoggerMessage(Level = LogLevel.Warning, Message = "local API: snapshot failed")]
        public static partial void SnapshotFailed(ILogger logger, Exception exception);
    }
}
