using System.Net;
using Microsoft.Extensions.Time.Testing;
using Nexodus.Mesh.Stun.Client;
using Nexodus.Mesh.TestDoubles.Sockets;

namespace Nexodus.Mesh.Stun.Tests.Client;

/// <summary>RFC 8489 §6.2.1 timing, driven by a fake clock over the in-memory network.</summary>
public sealed class StunClientRetransmissionTests : IAsyncLifetime
{
    private static readonly IPEndPoint ServerEndPoint = new(IPAddress.Parse("192.0.2.1"), 3478);
    private readonly FakeTimeProvider _time = new();
    private readonly InMemoryDatagramNetwork _network = new();
    private InMemoryStunTransport _transport = null!;

    public Task InitializeAsync()
    {
        _transport = new InMemoryStunTransport(_network.Bind(new IPEndPoint(IPAddress.Parse("10.0.0.2"), 5000)), _time);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _transport.DisposeAsync();

    [Fact]
    public async Task BindAsync_NoAnswer_SendsAtRfcScheduleAndTimesOutAt39500ms()
    {
        var task = _transport.Client.BindAsync(ServerEndPoint);
        // Sends at 0, 500, 1500, 3500, 7500, 15500, 31500 ms; failure at 39500 ms.
        long[] sendTimes = [0, 500, 1500, 3500, 7500, 15500, 31500];
        long now = 0;
        for (var i = 0; i < sendTimes.Length; i++)
        {
            if (i > 0)
            {
                await AdvanceToAsync(sendTimes[i] - 1, ref now);
                Assert.Equal(i, SentTo(ServerEndPoint));
            }

            await AdvanceToAsync(sendTimes[i], ref now);
            await Eventually.TrueAsync(() => SentTo(ServerEndPoint) == i + 1, $"transmission {i + 1} at {sendTimes[i]} ms");
        }

        await AdvanceToAsync(39_499, ref now);
        await Task.Delay(50);
        Assert.False(task.IsCompleted);
        await AdvanceToAsync(39_500, ref now);
        var result = await task.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(StunBindingStatus.Timeout, result.Status);
        Assert.Equal(7, result.Transmissions);
        Assert.Equal(TimeSpan.FromMilliseconds(39_500), result.Elapsed);
        Assert.Equal(7, SentTo(ServerEndPoint));
        Assert.Equal(0, _transport.Client.PendingCount);
    }

    [Fact]
    public async Task BindAsync_TunedOptions_FollowTheTunedSchedule()
    {
        var options = new StunRetransmissionOptions { InitialRto = TimeSpan.FromMilliseconds(100), RequestCount = 3, LastWaitMultiplier = 2 };
        var task = _transport.Client.BindAsync(ServerEndPoint, retransmission: options);
        long now = 0;
        await AdvanceToAsync(100, ref now);
        await Eventually.TrueAsync(() => SentTo(ServerEndPoint) == 2, "second transmission at 100 ms");
        await AdvanceToAsync(300, ref now);
        await Eventually.TrueAsync(() => SentTo(ServerEndPoint) == 3, "third transmission at 300 ms");
        await AdvanceToAsync(499, ref now);
        await Task.Delay(50);
        Assert.False(task.IsCompleted);
        await AdvanceToAsync(500, ref now);
        var result = await task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(StunBindingStatus.Timeout, result.Status);
        Assert.Equal(3, result.Transmissions);
    }

    [Fact]
    public async Task BindAsync_TotalTimeout_CapsTheTransaction()
    {
        var options = StunRetransmissionOptions.Default with { TotalTimeout = TimeSpan.FromMilliseconds(2000) };
        var task = _transport.Client.BindAsync(ServerEndPoint, retransmission: options);
        long now = 0;
        await AdvanceToAsync(500, ref now);
        await Eventually.TrueAsync(() => SentTo(ServerEndPoint) == 2, "second transmission at 500 ms");
        await AdvanceToAsync(1500, ref now);
        await Eventually.TrueAsync(() => SentTo(ServerEndPoint) == 3, "third transmission at 1500 ms");
        await AdvanceToAsync(1999, ref now);
        Assert.False(task.IsCompleted);
        await AdvanceToAsync(2000, ref now);
        var result = await task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(StunBindingStatus.Timeout, result.Status);
        Assert.Equal(TimeSpan.FromMilliseconds(2000), result.Elapsed);
    }

    [Fact]
    public async Task BindAsync_FirstTwoLost_ThirdIsAnswered()
    {
        await using var server = new InMemoryStunServer(_network, ServerEndPoint);
        var dropped = 0;
        _network.Filter = d => !d.To.Equals(ServerEndPoint) || Interlocked.Increment(ref dropped) > 2;
        var task = _transport.Client.BindAsync(ServerEndPoint);
        long now = 0;
        await AdvanceToAsync(500, ref now);
        await Eventually.TrueAsync(() => SentTo(ServerEndPoint) == 2, "second transmission");
        await AdvanceToAsync(1500, ref now);
        var result = await task.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(StunBindingStatus.Success, result.Status);
        Assert.Equal(3, result.Transmissions);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.2"), 5000), result.MappedAddress);
        Assert.Equal(ServerEndPoint, result.ResponseSource);
        Assert.Equal("in-memory", result.Software);
    }

    [Fact]
    public async Task BindAsync_Cancelled_Throws()
    {
        using var cts = new CancellationTokenSource();
        var task = _transport.Client.BindAsync(ServerEndPoint, cancellationToken: cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(0, _transport.Client.PendingCount);
    }

    [Fact]
    public async Task TryHandle_ForeignDatagrams_AreNotClaimed()
    {
        var task = _transport.Client.BindAsync(ServerEndPoint);
        await using var other = _network.Bind(new IPEndPoint(IPAddress.Parse("192.0.2.9"), 51820));
        // WireGuard-looking datagram, a STUN response with a foreign transaction id, and a STUN request.
        await other.SendToAsync(new byte[148], new IPEndPoint(IPAddress.Parse("10.0.0.2"), 5000));
        var foreign = new byte[20];
        new Nexodus.Mesh.Stun.Codec.StunMessageWriter(foreign, Nexodus.Mesh.Stun.Codec.StunMessageType.BindingSuccessResponse, Nexodus.Mesh.Stun.Codec.StunTransactionId.NewRandom()).TryComplete(out _);
        await other.SendToAsync(foreign, new IPEndPoint(IPAddress.Parse("10.0.0.2"), 5000));
        await Eventually.TrueAsync(() => { lock (_transport.NotForStun) { return _transport.NotForStun.Count == 2; } }, "both foreign datagrams are passed on");
        Assert.False(task.IsCompleted);
        Assert.False(_transport.Client.TryHandle([], ServerEndPoint));
    }

    private int SentTo(IPEndPoint destination) => _network.Sent.Count(d => d.To.Equals(destination));

    private Task AdvanceToAsync(long milliseconds, ref long now)
    {
        if (milliseconds > now)
        {
            _time.Advance(TimeSpan.FromMilliseconds(milliseconds - now));
            now = milliseconds;
        }

        // Let continuations scheduled by the timer run.
        return Task.Delay(20);
    }
}
