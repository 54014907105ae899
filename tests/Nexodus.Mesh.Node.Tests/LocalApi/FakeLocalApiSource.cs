using Nexodus.Mesh.Node.LocalApi;

namespace Nexodus.Mesh.Node.Tests.LocalApi;

/// <summary>Fixed answers for the server-level tests (the agent-level ones run the real nexd).</summary>
internal sealed class FakeLocalApiSource : ILocalApiSource
{
    public int StatusCalls;

    public Func<StatusResponse>? StatusOverride { get; set; }

    public StatusResponse Status()
    {
        Interlocked.Increment(ref StatusCalls);
        return StatusOverride?.Invoke() ?? new StatusResponse
        {
            State = "Running",
            Hostname = "fake-host",
            Addresses = ["100.64.0.7"],
            ControlReachable = true,
            Version = "test",
        };
    }

    public PeerResponse[] Peers() =>
    [
        new PeerResponse { Hostname = "peer-one", NodeKey = "k1", PathKind = "direct", Endpoint = "192.0.2.1:41641", RxBytes = 5, TxBytes = 7 },
    ];
}
