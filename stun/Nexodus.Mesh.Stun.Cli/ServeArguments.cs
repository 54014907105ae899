using System.Net;

namespace Nexodus.Mesh.Stun.Cli;

internal sealed record ServeArguments(IPEndPoint Listen, IPAddress? AlternateIp, int? AlternatePort, IPEndPoint? Metrics, string Software);
