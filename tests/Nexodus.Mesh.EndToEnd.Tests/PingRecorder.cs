using System.Collections.Concurrent;
using Nexodus.Mesh.Netsim;

namespace Nexodus.Mesh.EndToEnd.Tests;

/// <summary>
/// A continuous ping (every 100 ms) in a lab namespace whose replies are timestamped on arrival, so a test can
/// measure the gap an event (cut, rebind, revocation, control outage) causes.
/// </summary>
internal sealed class PingRecorder : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentQueue<DateTimeOffset> _replies = new();
    private readonly LabProcess _ping;
    private readonly CancellationTokenSource _stop = new();

    private PingRecorder(LabProcess ping)
    {
        _ping = ping;
        _ = ping.WaitForOutputAsync(
            l =>
            {
                if (l.Contains(" bytes from ", StringComparison.Ordinal))
                {
                    _replies.Enqueue(DateTimeOffset.UtcNow);
                }

                return false;
            },
            TimeSpan.FromDays(1),
            "nothing (reply tap)",
            _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public static PingRecorder Start(LabHost from, string to) =>
        new(from.StartProcess("ping", "-n", "-i", "0.1", "-W", "1", to));

    public IReadOnlyList<DateTimeOffset> Replies => [.. _replies];

    /// <summary>The first reply at or after <paramref name="at"/>, or null.</summary>
    public DateTimeOffset? FirstReplyAfter(DateTimeOffset at)
    {
        foreach (var r in _replies)
        {
            if (r >= at)
            {
                return r;
            }
        }

        return null;
    }

    /// <summary>The last reply before <paramref name="at"/>, or null.</summary>
    public DateTimeOffset? LastReplyBefore(DateTimeOffset at)
    {
        DateTimeOffset? last = null;
        foreach (var r in _replies)
        {
            if (r < at)
            {
                last = r;
            }
        }

        return last;
    }

    /// <summary>The longest time without a reply between <paramref name="from"/> and <paramref name="to"/>.</summary>
    public TimeSpan LongestGap(DateTimeOffset from, DateTimeOffset to)
    {
        var previous = from;
        var longest = TimeSpan.Zero;
        foreach (var r in _replies)
        {
            if (r < from || r > to)
            {
                continue;
            }

            longest = r - previous > longest ? r - previous : longest;
            previous = r;
        }

        return to - previous > longest ? to - previous : longest;
    }

    /// <summary>Waits until a reply arrives after <paramref name="at"/>; returns its time or null after <paramref name="timeout"/>.</summary>
    public async Task<DateTimeOffset?> WaitReplyAfterAsync(DateTimeOffset at, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            if (FirstReplyAfter(at) is { } r)
            {
                return r;
            }

            await Task.Delay(20);
        }

        return FirstReplyAfter(at);
    }

    public string Output => _ping.Output;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _ping.DisposeAsync();
        _stop.Dispose();
    }
}
