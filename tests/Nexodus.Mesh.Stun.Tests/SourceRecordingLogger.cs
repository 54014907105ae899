using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Nexodus.Mesh.Stun.Codec;
using Nexodus.Mesh.Stun.Server;

namespace Nexodus.Mesh.Stun.Tests;

/// <summary>Collects the client addresses the server answered, from its Trace log, to check what other tools print.</summary>
internal sealed class SourceRecordingLogger : ILogger<StunServer>
{
    public ConcurrentBag<string> AnsweredSources { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (eventId.Id == 5 && state is IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            foreach (var kv in values)
            {
                if (kv.Key == "Source" && kv.Value is StunAddress address)
                {
                    AnsweredSources.Add(address.ToString());
                }
            }
        }
    }
}
