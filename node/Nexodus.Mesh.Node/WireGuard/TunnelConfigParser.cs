using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Core.Net;

namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>
/// Parses the wg-quick file format. Keys are case-insensitive, '#' starts a comment, lists are comma
/// separated. Every error names its line. Allowed IPs are canonicalised (host bits cleared) like `wg` does;
/// the same prefix on two peers is rejected (wg would silently move it to the later peer), while nested
/// prefixes are fine (longest prefix wins, as the protocol defines).
/// </summary>
internal static class TunnelConfigParser
{
    public static TunnelConfig Parse(string text)
    {
        var config = new TunnelConfig();
        var owners = new Dictionary<IPNetwork, int>();
        string? section = null;
        PeerConfig? peer = null;
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var lineNo = i + 1;
            var line = lines[i];
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                line = line[..hash];
            }

            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                section = line[1..^1].Trim().ToLowerInvariant();
                if (section == "peer")
                {
                    FinishPeer(config, peer, owners);
                    peer = new PeerConfig { Line = lineNo };
                }
                else if (section != "interface")
                {
                    throw new ConfigException(lineNo, $"unknown section [{line[1..^1]}]; expected [Interface] or [Peer]");
                }

                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ConfigException(lineNo, $"expected 'Key = Value', got '{line}'");
            }

            var key = line[..eq].Trim().ToLowerInvariant();
            var value = line[(eq + 1)..].Trim();
            switch (section)
            {
                case "interface":
                    ParseInterface(config, key, value, lineNo);
                    break;
                case "peer":
                    ParsePeer(peer!, key, value, lineNo);
                    break;
                default:
                    throw new ConfigException(lineNo, "setting outside of a section; start with [Interface]");
            }
        }

        FinishPeer(config, peer, owners);
        return config;
    }

    private static void ParseInterface(TunnelConfig config, string key, string value, int line)
    {
        switch (key)
        {
            case "privatekey":
                if (!PrivateKey.TryParse(value, out var pk))
                {
                    throw new ConfigException(line, "PrivateKey is not a key: expected 44 characters of base64 (as `wg genkey` prints)");
                }

                config.PrivateKey = pk;
                break;
            case "listenport":
                config.ListenPort = ushort.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port)
                    ? port
                    : throw new ConfigException(line, $"ListenPort '{value}' is not a port number (0-65535)");
                break;
            case "address":
                foreach (var item in List(value))
                {
                    _ = ParsePrefix(item, line, "Address", keepHostBits: true);
                    config.Addresses.Add(item.Contains('/', StringComparison.Ordinal) ? item : item + (item.Contains(':', StringComparison.Ordinal) ? "/128" : "/32"));
                }

                break;
            case "mtu":
                config.Mtu = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var mtu) && mtu is >= 576 and <= 65535
                    ? mtu
                    : throw new ConfigException(line, $"MTU '{value}' must be a number between 576 and 65535");
                break;
            case "dns" or "table" or "preup" or "postup" or "predown" or "postdown" or "saveconfig" or "fwmark":
                break; // wg-quick settings that a bare tunnel does not act on
            default:
                throw new ConfigException(line, $"unknown [Interface] setting '{key}'");
        }
    }

    private static void ParsePeer(PeerConfig peer, string key, string value, int line)
    {
        switch (key)
        {
            case "publickey":
                peer.PublicKey = PublicKey.TryParse(value, out var pub)
                    ? pub
                    : throw new ConfigException(line, "PublicKey is not a key: expected 44 characters of base64 (as `wg pubkey` prints)");
                break;
            case "presharedkey":
                var psk = new byte[34];
                if (value.Length != 44 || !Convert.TryFromBase64String(value, psk, out var written) || written != 32)
                {
                    throw new ConfigException(line, "PresharedKey is not a key: expected 44 characters of base64 (as `wg genpsk` prints)");
                }

                peer.PresharedKey = psk[..32];
                break;
            case "endpoint":
                peer.Endpoint = ParseEndpoint(value, line);
                break;
            case "allowedips":
                foreach (var item in List(value))
                {
                    peer.AllowedIps.Add(ParsePrefix(item, line, "AllowedIPs", keepHostBits: false).Network);
                }

                break;
            case "persistentkeepalive":
                if (value.Equals("off", StringComparison.OrdinalIgnoreCase))
                {
                    peer.PersistentKeepalive = 0;
                }
                else if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ka) && ka <= 65535)
                {
                    peer.PersistentKeepalive = ka;
                }
                else
                {
                    throw new ConfigException(line, $"PersistentKeepalive '{value}' must be 'off' or seconds (0-65535)");
                }

                break;
            default:
                throw new ConfigException(line, $"unknown [Peer] setting '{key}'");
        }
    }

    private static void FinishPeer(TunnelConfig config, PeerConfig? peer, Dictionary<IPNetwork, int> owners)
    {
        if (peer is null)
        {
            return;
        }

        if (peer.PublicKey.IsEmpty)
        {
            throw new ConfigException(peer.Line, "[Peer] has no PublicKey");
        }

        foreach (var existing in config.Peers)
        {
            if (existing.PublicKey == peer.PublicKey)
            {
                throw new ConfigException(peer.Line, $"the same PublicKey is already used by the [Peer] on line {existing.Line}");
            }
        }

        foreach (var prefix in peer.AllowedIps)
        {
            if (owners.TryGetValue(prefix, out var otherLine) && otherLine != peer.Line)
            {
                throw new ConfigException(peer.Line, $"AllowedIPs {prefix} overlaps the [Peer] on line {otherLine}; each prefix can route to one peer only");
            }

            owners[prefix] = peer.Line;
        }

        config.Peers.Add(peer);
    }

    public static UdpEndpoint ParseEndpoint(string value, int line)
    {
        if (IPEndPoint.TryParse(value, out var ep) && ep.Port != 0 && (value.Contains(']', StringComparison.Ordinal) || ep.AddressFamily == AddressFamily.InterNetwork))
        {
            return new UdpEndpoint(ep);
        }

        var colon = value.LastIndexOf(':');
        if (colon > 0 && ushort.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port != 0
            && Uri.CheckHostName(value[..colon]) == UriHostNameType.Dns)
        {
            try
            {
                var addresses = Dns.GetHostAddresses(value[..colon]);
                if (addresses.Length > 0)
                {
                    return new UdpEndpoint(new IPEndPoint(addresses[0], port));
                }
            }
            catch (SocketException)
            {
            }

            throw new ConfigException(line, $"Endpoint host '{value[..colon]}' does not resolve");
        }

        throw new ConfigException(line, $"Endpoint '{value}' is not host:port (IPv6 as [addr]:port)");
    }

    private static (IPAddress Address, IPNetwork Network) ParsePrefix(string item, int line, string field, bool keepHostBits)
    {
        var slash = item.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? item : item[..slash];
        if (!IPAddress.TryParse(addressText, out var address))
        {
            throw new ConfigException(line, $"{field} '{item}' is not an IP address or CIDR prefix");
        }

        var max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var length = max;
        if (slash >= 0 && (!int.TryParse(item[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > max))
        {
            throw new ConfigException(line, $"{field} '{item}' has a bad prefix length (0-{max})");
        }

        var bytes = address.GetAddressBytes();
        for (var bit = length; bit < max; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        _ = keepHostBits;
        return (address, new IPNetwork(new IPAddress(bytes), length));
    }

    private static IEnumerable<string> List(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
