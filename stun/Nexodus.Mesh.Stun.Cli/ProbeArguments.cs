using System.Net;

namespace Nexodus.Mesh.Stun.Cli;

internal sealed record ProbeArguments(string Server, bool Json, TimeSpan Timeout, IPEndPoint? Local, bool TestHairpinning);
