using System.Net;
using System.Net.Sockets;

namespace Nexodus.Mesh.Control.Api;

/// <summary>Collects "field: reason" pairs and turns them into one 400 ProblemDetails naming every bad field.</summary>
internal sealed class ValidationErrors
{
    private readonly Dictionary<string, string[]> _errors = [];

    public bool Any => _errors.Count > 0;

    public void Add(string field, string reason) =>
        _errors[field] = _errors.TryGetValue(field, out var existing) ? [.. existing, reason] : [reason];

    public void Name(string field, string? value, int max, bool required = true)
    {
        if (value is null)
        {
            if (required)
            {
                Add(field, "is required");
            }
        }
        else if (string.IsNullOrWhiteSpace(value))
        {
            Add(field, "must not be empty");
        }
        else if (value.Length > max)
        {
            Add(field, $"must be at most {max} characters");
        }
        else if (value.Any(char.IsControl))
        {
            Add(field, "must not contain control characters");
        }
    }

    public void Text(string field, string? value, int max)
    {
        if (value is not null && value.Length > max)
        {
            Add(field, $"must be at most {max} characters");
        }
    }

    /// <summary>DNS label rules (RFC 1123): letters, digits, hyphen; 1-63 chars; no leading/trailing hyphen.</summary>
    public void Hostname(string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            Add(field, "is required");
        }
        else if (!IsDnsLabel(value))
        {
            Add(field, "must be a DNS label: 1-63 letters, digits or '-', not starting or ending with '-'");
        }
    }

    public void DnsName(string field, string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 253 || !value.Split('.').All(IsDnsLabel))
        {
            Add(field, "must be a DNS name such as 'mesh.internal'");
        }
    }

    public static bool IsDnsLabel(string s) =>
        s.Length is >= 1 and <= 63 && s[0] != '-' && s[^1] != '-' && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    public static bool TryParseCidr(string? text, out IPNetwork network, out string reason)
    {
        network = default;
        reason = "";
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (string.IsNullOrEmpty(text) || slash < 0 || !IPNetwork.TryParse(text, out network)
            || !IPAddress.TryParse(text.AsSpan(0, slash), out var given) || !given.Equals(network.BaseAddress))
        {
            reason = "must be a CIDR prefix such as 10.0.0.0/8 or fd00::/64 with no host bits set";
            return false;
        }

        return true;
    }

    public void Cidr(string field, string? value, AddressFamily? family = null)
    {
        if (!TryParseCidr(value, out var net, out var reason))
        {
            Add(field, reason);
        }
        else if (family is { } f && net.BaseAddress.AddressFamily != f)
        {
            Add(field, f == AddressFamily.InterNetwork ? "must be an IPv4 prefix" : "must be an IPv6 prefix");
        }
    }

    public IResult ToResult() =>
        Results.ValidationProblem(_errors, title: "The request is invalid: " + string.Join("; ", _errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}")));

    public static IResult Single(string field, string reason)
    {
        var v = new ValidationErrors();
        v.Add(field, reason);
        return v.ToResult();
    }

    public static bool TryParseAddress(string? s, out IPAddress address) => IPAddress.TryParse(s ?? "", out address!);
}
