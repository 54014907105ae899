using Nexodus.Mesh.Node.Paths;

namespace Nexodus.Mesh.Node.Tests.Paths;

/// <summary>Path selection on a fake clock: relay first, direct on pong, back to the relay when the direct path dies.</summary>
public sealed class PathStateMachineTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task FirstPacket_NoDirectPathYet_GoesThroughRelay()
    {
        await using var pair = new PathPair();
        pair.CutUdp();

        Assert.NotNull(pair.SendAtoB("hello via relay"));

        Assert.True(pair.Relay.DataPackets >= 2, "handshake and data went through the relay");
        Assert.Equal(PathKind.Relay, pair.StatusAtA().Kind);
        Assert.Null(pair.StatusAtA().DirectAddress);
        Assert.True(pair.PathsA.Counters.RelayPacketsSent >= 1);
        Assert.True(pair.PathsB.Counters.RelayPacketsReceived >= 1);
    }

    [Fact]
    public async Task Pong_FromCandidate_SwitchesToDirect()
    {
        await using var pair = new PathPair();
        Assert.NotNull(pair.SendAtoB("first"));

        var took = pair.AdvanceUntil(() => pair.StatusAtA().Kind == PathKind.Direct && pair.StatusAtB().Kind == PathKind.Direct, Limit);

        Assert.NotNull(took);
        Assert.True(took <= TimeSpan.FromSeconds(2), $"direct after {took}");
        Assert.Equal(PathPair.AddressB, pair.StatusAtA().DirectAddress);
        Assert.Equal(PathPair.AddressA, pair.StatusAtB().DirectAddress);
        Assert.Null(pair.StatusAtA().NotDirectReason);
        var relayed = pair.Relay.DataPackets;
        Assert.NotNull(pair.SendAtoB("direct now"));
        Assert.Equal(relayed, pair.Relay.DataPackets);
        Assert.Equal($"{PathPair.AddressB}", pair.PeerAtA.Endpoint!.ToString());
    }

    [Fact]
    public async Task DirectPath_StopsAnswering_FallsBackToRelayWithin3Seconds()
    {
        await using var pair = new PathPair();
        Assert.NotNull(pair.AdvanceUntil(() => pair.StatusAtA().Kind == PathKind.Direct, Limit));
        Assert.NotNull(pair.SendAtoB("direct"));

        pair.CutUdp();
        var took = pair.AdvanceUntil(() => pair.StatusAtA().Kind == PathKind.Relay, Limit);

        Assert.NotNull(took);
        Assert.True(took <= TimeSpan.FromSeconds(3), $"fell back after {took}");
        Assert.Equal("direct path stopped answering", pair.StatusAtA().NotDirectReason);
        Assert.True(pair.PathsA.Counters.RelayFallbacks >= 1);
        var relayed = pair.Relay.DataPackets;
        Assert.NotNull(pair.SendAtoB("relay again"));
        Assert.True(pair.Relay.DataPackets > relayed);
    }

    [Fact]
    public async Task DirectPath_ComesBack_ReprobeFindsItAgain()
    {
        await using var pair = new PathPair();
        Assert.NotNull(pair.AdvanceUntil(() => pair.StatusAtA().Kind == PathKind.Direct, Limit));
        pair.CutUdp();
        Assert.NotNull(pair.AdvanceUntil(() => pair.StatusAtA().Kind == PathKind.Relay, Limit));

        pair.RestoreUdp();

        Assert.NotNull(pair.AdvanceUntil(() => pair.StatusAtA().Kind == PathKind.Direct, TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task NoCandidates_StaysOnRelay_WithReason()
    {
        // Neither the netmap nor call-me-maybe names an address.
        await using var pair = new PathPair(candidates: false, advertise: false);
        pair.AdvanceUntil(() => false, TimeSpan.FromSeconds(1));

        Assert.Equal(PathKind.Relay, pair.StatusAtA().Kind);
        Assert.Equal("no candidates", pair.StatusAtA().NotDirectReason);
    }

    [Fact]
    public async Task CallMeMaybe_WithoutNetmapCandidates_StillFindsDirect()
    {
        await using var pair = new PathPair(candidates: false);

        Assert.NotNull(pair.AdvanceUntil(() => pair.StatusAtA().Kind == PathKind.Direct && pair.StatusAtB().Kind == PathKind.Direct, Limit));
        Assert.True(pair.PathsB.Counters.CallMeMaybeReceived >= 1);
    }

    [Fact]
    public async Task NoDiscoKey_StaysOnRelay_WithReason()
    {
        await using var pair = new PathPair(discoKeys: false);
        Assert.NotNull(pair.SendAtoB("relay only"));
        pair.AdvanceUntil(() => false, TimeSpan.FromSeconds(2));

        Assert.Equal(PathKind.Relay, pair.StatusAtA().Kind);
        Assert.Equal("no disco key", pair.StatusAtA().NotDirectReason);
        Assert.Equal(0, pair.PathsA.Counters.PingsSent);
    }

    [Fact]
    public async Task CandidatesNeverAnswer_ReasonNoPong()
    {
        await using var pair = new PathPair();
        pair.CutUdp();
        pair.AdvanceUntil(() => false, TimeSpan.FromSeconds(4));

        Assert.Equal(PathKind.Relay, pair.StatusAtA().Kind);
        Assert.Equal("no pong from candidates", pair.StatusAtA().NotDirectReason);
        Assert.True(pair.PathsA.Counters.PingsSent >= 2);
        Assert.True(pair.PathsA.Counters.CallMeMaybeSent >= 1);
    }

    [Fact]
    public async Task RelayToken_Refresh_PushedToLiveSession()
    {
        await using var pair = new PathPair();

        pair.PathsA.SetRelayToken("token-2");

        Assert.Contains("token-2", pair.Relay.TokenUpdates);
    }
}
