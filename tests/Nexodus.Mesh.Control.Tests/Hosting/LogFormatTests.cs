using System.Net;
using System.Text.Json;
using Nexodus.Mesh.Control.Tests.Infrastructure;

namespace Nexodus.Mesh.Control.Tests.Hosting;

/// <summary>
/// The real binary logs one JSON object per line with --log-format json (or NEXODUS_Logging__Format=json), readable
/// text lines by default, and refuses an unknown format naming the key.
/// </summary>
public abstract class LogFormatTests(DbProvider provider)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("flag")]
    [InlineData("env")]
    public async Task JsonFormat_EveryLogLineIsJson_WithTimestampLevelCategoryMessageAndState(string how)
    {
        await using var control = ControlProcess.Start(
            provider,
            how == "flag" ? ["--log-format", "json"] : [],
            how == "env" ? new() { ["NEXODUS_Logging__Format"] = "json" } : null);
        var seen = new List<string>();
        var listening = await control.WaitForLineAsync(l => l.Contains("Now listening on", StringComparison.Ordinal), seen, StartTimeout);

        using var doc = JsonDocument.Parse(listening);
        var root = doc.RootElement;
        Assert.Equal("Information", root.GetProperty("LogLevel").GetString());
        Assert.Equal("Microsoft.Hosting.Lifetime", root.GetProperty("Category").GetString());
        Assert.True(DateTimeOffset.TryParse(root.GetProperty("Timestamp").GetString(), out var at), listening);
        Assert.InRange(at, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(JsonValueKind.Number, root.GetProperty("EventId").ValueKind);
        var address = root.GetProperty("State").GetProperty("address").GetString()!;
        Assert.StartsWith("http://127.0.0.1:", address, StringComparison.Ordinal);
        Assert.Equal("Now listening on: " + address, root.GetProperty("Message").GetString());

        // Our own events are structured too: the provider is a field, not only text in the message.
        var ready = seen.Single(l => l.Contains("database ready", StringComparison.Ordinal));
        using var readyDoc = JsonDocument.Parse(ready);
        var provider1 = readyDoc.RootElement.GetProperty("State").GetProperty("Provider").GetString()!;
        Assert.Contains(provider == DbProvider.Sqlite ? "Sqlite" : "PostgreSQL", provider1, StringComparison.Ordinal);

        // Every line is a JSON object except the first-admin password notice, which is for a human and printed once.
        Assert.All(
            seen.Where(l => !l.StartsWith("nexodus-control: ", StringComparison.Ordinal)),
            l => Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(l).RootElement.ValueKind));

        // And it serves.
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task DefaultFormat_IsReadableText()
    {
        await using var control = ControlProcess.Start(provider, []);
        var seen = new List<string>();
        var listening = await control.WaitForLineAsync(l => l.Contains("Now listening on", StringComparison.Ordinal), seen, StartTimeout);
        Assert.StartsWith("info: Microsoft.Hosting.Lifetime", listening, StringComparison.Ordinal);
        Assert.DoesNotContain(seen, l => l.StartsWith('{'));
    }

    [Fact]
    public async Task UnknownFormat_StopsWithExitCode2_NamingTheKey()
    {
        await using var control = ControlProcess.Start(provider, ["--log-format", "xml"]);
        Assert.Equal(2, await control.WaitForExitAsync(StartTimeout));
        Assert.Contains(control.Stderr, l => l.Contains("Logging:Format", StringComparison.Ordinal) && l.Contains("'xml'", StringComparison.Ordinal));
    }
}

public sealed class LogFormatTestsSqlite() : LogFormatTests(DbProvider.Sqlite);

public sealed class LogFormatTestsPostgres() : LogFormatTests(DbProvider.Postgres);
