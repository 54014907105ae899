using System.Globalization;
using System.Net;
using System.Text;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Node.WireGuard;

namespace Nexodus.Mesh.Node.Uapi;

/// <summary>
/// The cross-platform configuration protocol (wireguard.com/xplatform): "get=1" dumps the device as
/// key=value lines, "set=1" applies key=value lines; both end with "errno=N" and a blank line. Keys are hex.
/// </summary>
internal sealed class UapiProtocol(Device device)
{
    public const int EINVAL = 22;
    public const int ENOENT = 2;

    private int _fwmark;

    public string Get()
    {
        var sb = new StringBuilder();
        var priv = device.LocalPrivateKey;
        if (priv is not null)
        {
            var raw = priv.ExportBytes();
            sb.Append("private_key=").Append(Convert.ToHexStringLower(raw)).Append('\n');
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(raw);
        }

        sb.Append("listen_port=").Append(device.ListenPort.ToString(CultureInfo.InvariantCulture)).Append('\n');
        if (_fwmark != 0)
        {
            sb.Append("fwmark=").Append(_fwmark.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        foreach (var peer in device.Peers())
        {
            sb.Append("public_key=").Append(Convert.ToHexStringLower(peer.PublicKey.Span)).Append('\n');
            sb.Append("preshared_key=").Append(Convert.ToHexStringLower(peer.PresharedKeyCopy())).Append('\n');
            sb.Append("protocol_version=1\n");
            // Only UDP endpoints are printed: `wg` rejects anything else, and a relayed peer has no ip:port to show.
            if (peer.Endpoint is { } ep && IPEndPoint.TryParse(ep.ToString() ?? "", out var udp) && udp.Port != 0)
            {
                sb.Append("endpoint=").Append(udp.ToString()).Append('\n');
            }

            var last = peer.LastHandshake;
            var unix = last is null ? 0 : (last.Value - DateTimeOffset.UnixEpoch).Ticks;
            sb.Append("last_handshake_time_sec=").Append((unix / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture)).Append('\n');
            sb.Append("last_handshake_time_nsec=").Append((unix % TimeSpan.TicksPerSecond * 100).ToString(CultureInfo.InvariantCulture)).Append('\n');
            sb.Append("tx_bytes=").Append(peer.TxBytes.ToString(CultureInfo.InvariantCulture)).Append('\n');
            sb.Append("rx_bytes=").Append(peer.RxBytes.ToString(CultureInfo.InvariantCulture)).Append('\n');
            sb.Append("persistent_keepalive_interval=").Append(peer.PersistentKeepaliveSeconds.ToString(CultureInfo.InvariantCulture)).Append('\n');
            foreach (var prefix in device.AllowedIpsOf(peer))
            {
                sb.Append("allowed_ip=").Append(prefix.ToString()).Append('\n');
            }
        }

        sb.Append("errno=0\n\n");
        return sb.ToString();
    }

    /// <summary>Applies a set operation; returns 0 or an errno and a reason for the log.</summary>
    public (int Errno, string? Error) Set(IReadOnlyList<string> lines)
    {
        Peer? peer = null;
        var peerCreated = false;
        var skipPeer = false;
        foreach (var line in lines)
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return (EINVAL, $"line '{line}' is not key=value");
            }

            var key = line[..eq];
            var value = line[(eq + 1)..];
            if (key == "public_key")
            {
                if (!TryHexKey(value, out var raw))
                {
                    return (EINVAL, "public_key is not 64 hex characters");
                }

                var pub = PublicKey.FromBytes(raw);
                if (device.LocalPublicKey is { } self && self == pub)
                {
                    peer = null;
                    skipPeer = true; // wireguard-go ignores a peer with our own key
                    continue;
                }

                skipPeer = false;
                peerCreated = device.LookupPeer(pub) is null;
                peer = device.AddPeer(pub);
                continue;
            }

            if (peer is null && !skipPeer)
            {
                var deviceError = SetDevice(key, value);
                if (deviceError is not null)
                {
                    return (EINVAL, deviceError);
                }

                continue;
            }

            if (skipPeer)
            {
                continue;
            }

            var error = SetPeer(ref peer!, ref peerCreated, key, value);
            if (error is not null)
            {
                return (EINVAL, error);
            }

            if (peer is null)
            {
                skipPeer = true; // removed, or update_only for a peer that did not exist
            }
        }

        return (0, null);
    }

    private string? SetDevice(string key, string value)
    {
        switch (key)
        {
            case "private_key":
                if (!TryHexKey(value, out var raw))
                {
                    return "private_key is not 64 hex characters";
                }

                device.SetPrivateKey(raw.AsSpan().IndexOfAnyExcept((byte)0) < 0 ? null : PrivateKey.FromBytes(raw));
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(raw);
                return null;
            case "listen_port":
                if (!ushort.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
                {
                    return "listen_port is not a port number";
                }

                device.SetListenPort(port);
                return null;
            case "fwmark":
                // Accepted for `wg` compatibility; this engine does not mark its sockets.
                if (value.Length == 0)
                {
                    _fwmark = 0;
                    return null;
                }

                return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _fwmark) ? null : "fwmark is not a number";
            case "replace_peers":
                if (value != "true")
                {
                    return "replace_peers must be true";
                }

                device.RemoveAllPeers();
                return null;
            default:
                return $"unknown device key '{key}'";
        }
    }

    private string? SetPeer(ref Peer? peer, ref bool created, string key, string value)
    {
        var p = peer!;
        switch (key)
        {
            case "remove":
                if (value != "true")
                {
                    return "remove must be true";
                }

                device.RemovePeer(p.PublicKey);
                peer = null;
                return null;
            case "update_only":
                if (value != "true")
                {
                    return "update_only must be true";
                }

                if (created)
                {
                    device.RemovePeer(p.PublicKey);
                    peer = null;
                }

                return null;
            case "preshared_key":
                if (!TryHexKey(value, out var psk))
                {
                    return "preshared_key is not 64 hex characters";
                }

                p.SetPresharedKey(psk.AsSpan().IndexOfAnyExcept((byte)0) < 0 ? [] : psk);
                return null;
            case "endpoint":
                try
                {
                    p.SetEndpoint(TunnelConfigParser.ParseEndpoint(value, 0));
                    return null;
                }
                catch (ConfigException e)
                {
                    return e.Message;
                }

            case "persistent_keepalive_interval":
                if (!ushort.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ka))
                {
                    return "persistent_keepalive_interval is not a number of seconds";
                }

                p.SetPersistentKeepalive(ka);
                return null;
            case "replace_allowed_ips":
                if (value != "true")
                {
                    return "replace_allowed_ips must be true";
                }

                device.RemoveAllowedIps(p);
                return null;
            case "allowed_ip":
                if (!IPNetwork.TryParse(value, out var prefix))
                {
                    return $"allowed_ip '{value}' is not a canonical CIDR prefix";
                }

                device.AddAllowedIp(p, prefix);
                return null;
            case "protocol_version":
                return value == "1" ? null : "only protocol_version=1 is supported";
            default:
                return $"unknown peer key '{key}'";
        }
    }

    private static bool TryHexKey(string value, out byte[] raw)
    {
        raw = [];
        if (value.Length != 64)
        {
            return false;
        }

        try
        {
            raw = Convert.FromHexString(value);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
