using System.Globalization;
using System.Net;

namespace Nexodus.Mesh.Stun.Cli;

/// <summary>Parsing of the address forms the CLI accepts, with messages that say what was expected.</summary>
internal static class EndPointParsing
{
    /// <summary>"IP:PORT" or "[IPv6]:PORT"; port 0..65535.</summary>
    public static bool TryParseIpEndPoint(string text, out IPEndPoint endPoint, out string error)
    {
        endPoint = null!;
        if (!IPEndPoint.TryParse(text, out var parsed) || !HasExplicitPort(text))
        {
            error = $"'{text}' is not IP:PORT (examples: 0.0.0.0:3478, 192.0.2.1:3478, [::]:3478)";
            return false;
        }

        endPoint = parsed;
        error = "";
        return true;
    }

    /// <summary>"HOST", "HOST:PORT", "IPv6", "[IPv6]:PORT"; default port 3478.</summary>
    public static bool TryParseServer(string text, out string host, out int port, out string error)
    {
        host = text;
        port = 3478;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "the server is empty; give HOST or HOST:PORT";
            return false;
        }

        if (IPAddress.TryParse(text, out var bare) && !text.StartsWith('['))
        {
            host = bare.ToString();
            return true;
        }

        string portText;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                error = $"'{text}': missing ']' after the IPv6 address";
                return false;
            }

            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length == 0)
            {
                return true;
            }

            if (rest[0] != ':')
            {
                error = $"'{text}': expected ':PORT' after ']'";
                return false;
            }

            portText = rest[1..];
        }
        else
        {
            var colon = text.LastIndexOf(':');
            if (colon < 0)
            {
                return true;
            }

            host = text[..colon];
            portText = text[(colon + 1)..];
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            error = $"'{text}': '{portText}' is not a port (1-65535)";
            return false;
        }

        if (host.Length == 0)
        {
            error = $"'{text}': the host is empty";
            return false;
        }

        return true;
    }

    /// <summary>"5", "5s", "1500ms", "1m".</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        double value;
        if (text.EndsWith("ms", StringComparison.OrdinalIgnoreCase)
            && double.TryParse(text[..^2], NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            duration = TimeSpan.FromMilliseconds(value);
        }
        else if (text.EndsWith('s') && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            duration = TimeSpan.FromSeconds(value);
        }
        else if (text.EndsWith('m') && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            duration = TimeSpan.FromMinutes(value);
        }
        else if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value))
        {
            duration = TimeSpan.FromSeconds(value);
        }
        else
        {
            return false;
        }

        return duration > TimeSpan.Zero && duration <= TimeSpan.FromHours(1);
    }

    private static bool HasExplicitPort(string text)
    {
        var close = text.LastIndexOf(']');
        var colon = text.LastIndexOf(':');
        // "[v6]:port" or "v4:port"; a bare IPv6 address has colons but IPEndPoint.TryParse gives it port 0.
        return text.StartsWith('[') ? colon > close : colon > 0 && text.IndexOf(':', StringComparison.Ordinal) == colon;
    }
}
