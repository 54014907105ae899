using System.Text.Json;
using Microsoft.Extensions.Logging.Console;

namespace Nexodus.Mesh.Control.Hosting;

/// <summary>
/// Console log format, from <c>Logging:Format</c> (<c>--log-format</c>, <c>NEXODUS_Logging__Format</c>):
/// <c>text</c> (default: one readable line per event for a person at a terminal or in journalctl) or <c>json</c>
/// (one JSON object per line — Timestamp, EventId, LogLevel, Category, Message, State — for log collectors).
/// Text is the default because the one-box start is a person reading a terminal, and journald stores text lines as
/// well as JSON; whoever feeds a collector sets <c>json</c> once in the unit or compose file.
/// </summary>
internal static class LogFormat
{
    public const string Key = "Logging:Format";

    public static string? Validate(IConfiguration configuration) =>
        configuration[Key] is { } v && !IsJson(v) && !v.Equals("text", StringComparison.OrdinalIgnoreCase)
            ? $"{Key} (--log-format) must be 'text' or 'json', got '{v}'"
            : null;

    public static void Configure(ILoggingBuilder logging, IConfiguration configuration)
    {
        if (configuration[Key] is { } v && IsJson(v))
        {
            logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.IncludeScopes = false;
                o.JsonWriterOptions = new JsonWriterOptions { Indented = false };
            });
        }
        else
        {
            logging.AddSimpleConsole(o => o.SingleLine = true);
        }
    }

    private static bool IsJson(string v) => v.Equals("json", StringComparison.OrdinalIgnoreCase);
}
