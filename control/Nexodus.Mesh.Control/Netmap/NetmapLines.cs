using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Control.Netmap;

/// <summary>
/// Writes the NDJSON lines of the netmap stream (<see cref="NetmapMessage"/> on the wire, camelCase, nulls omitted)
/// from pre-serialized parts: peers, relay map, DNS and filters are serialized once per generation, so a line is
/// mostly copies of bytes that already exist.
/// </summary>
internal static class NetmapLines
{
    // Small: the response pipe keeps every buffer segment it ever needed at once for reuse (up to 256 per pipe, i.e.
    // per stream), so writing a megabyte map ahead of the socket would leave each idle stream holding dozens.
    /// <summary>Bytes written to a stream's response between flushes.</summary>
    public const int FlushThreshold = 16 * 1024;

    public static byte[] Delta(long revision, PeerEntry? self, GenerationDiff diff, Guid exclude, VpcGeneration generation, FilterEntry? filter, RelayAdmission? admission)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type"u8, NetmapMessageTypes.Delta);
            w.WriteNumber("revision"u8, revision);
            if (self is not null)
            {
                w.WritePropertyName("self"u8);
                w.WriteRawValue(self.Json, skipInputValidation: true);
            }

            if (diff.Changed.Count > (diff.ChangedIds.Contains(exclude) ? 1 : 0))
            {
                w.WriteStartArray("peersChanged"u8);
                foreach (var p in diff.Changed)
                {
                    if (p.Info.DeviceId != exclude)
                    {
                        w.WriteRawValue(p.Json, skipInputValidation: true);
                    }
                }

                w.WriteEndArray();
            }

            if (diff.Removed.Count > 0)
            {
                w.WriteStartArray("peersRemoved"u8);
                foreach (var p in diff.Removed)
                {
                    w.WriteStringValue(p.Info.NodeKey);
                }

                w.WriteEndArray();
            }

            if (diff.RelayMapChanged)
            {
                w.WritePropertyName("relayMap"u8);
                w.WriteRawValue(generation.RelayMapJson, skipInputValidation: true);
            }

            if (diff.DnsChanged)
            {
                w.WritePropertyName("dns"u8);
                w.WriteRawValue(generation.DnsJson, skipInputValidation: true);
            }

            if (filter is not null)
            {
                w.WritePropertyName("packetFilter"u8);
                w.WriteRawValue(filter.Json, skipInputValidation: true);
            }

            if (admission is not null)
            {
                w.WritePropertyName("relayAdmission"u8);
                JsonSerializer.Serialize(w, admission, ContractsJsonContext.Default.RelayAdmission);
            }

            w.WriteEndObject();
        }

        return Line(buffer);
    }

    /// <summary>A delta carrying only a fresh relay admission token.</summary>
    public static byte[] Admission(long revision, RelayAdmission admission) =>
        Message(new NetmapMessage { Type = NetmapMessageTypes.Delta, Revision = revision, RelayAdmission = admission });

    public static byte[] Heartbeat(long revision) => Message(new NetmapMessage { Type = NetmapMessageTypes.Heartbeat, Revision = revision });

    public static byte[] Resync(long revision, string reason) => Message(new NetmapMessage { Type = NetmapMessageTypes.Resync, Revision = revision, Reason = reason });

    public static byte[] Revoked(long revision, string reason) => Message(new NetmapMessage { Type = NetmapMessageTypes.Revoked, Revision = revision, Reason = reason });

    /// <summary>Writes a full map line into the response, flushing as it goes so no more than ~16 KiB is buffered.</summary>
    public static async ValueTask WriteFullAsync(PipeWriter pipe, FullMapLine line, CancellationToken ct)
    {
        var g = line.Generation;
        using var w = new Utf8JsonWriter(pipe);
        var flushedAt = 0L;
        w.WriteStartObject();
        w.WriteString("type"u8, NetmapMessageTypes.Full);
        w.WriteNumber("revision"u8, line.Revision);
        w.WriteStartObject("map"u8);
        w.WritePropertyName("self"u8);
        w.WriteRawValue(line.Self.Json, skipInputValidation: true);
        w.WriteString("vpcId"u8, g.Vpc.Id);
        w.WriteString("ipv4Cidr"u8, g.Vpc.Ipv4Cidr);
        w.WriteString("ipv6Cidr"u8, g.Vpc.Ipv6Cidr);
        w.WriteStartArray("peers"u8);
        foreach (var (id, peer) in g.Peers)
        {
            if (id == line.Self.Info.DeviceId)
            {
                continue;
            }

            w.WriteRawValue(peer.Json, skipInputValidation: true);
            // BytesPending alone never reaches the threshold: the writer hands each full buffer to the pipe as it
            // grows. Count what went to the pipe since the last flush too.
            if (w.BytesCommitted + w.BytesPending - flushedAt >= FlushThreshold)
            {
                w.Flush();
                flushedAt = w.BytesCommitted;
                await pipe.FlushAsync(ct);
            }
        }

        w.WriteEndArray();
        w.WritePropertyName("relayMap"u8);
        w.WriteRawValue(g.RelayMapJson, skipInputValidation: true);
        w.WritePropertyName("dns"u8);
        w.WriteRawValue(g.DnsJson, skipInputValidation: true);
        w.WritePropertyName("packetFilter"u8);
        w.WriteRawValue(g.FilterFor(line.Self.Row).Json, skipInputValidation: true);
        w.WritePropertyName("relayAdmission"u8);
        JsonSerializer.Serialize(w, line.Admission, ContractsJsonContext.Default.RelayAdmission);
        w.WriteEndObject();
        w.WriteEndObject();
        w.Flush();
        pipe.Write("\n"u8);
    }

    private static byte[] Message(NetmapMessage m)
    {
        var buffer = new ArrayBufferWriter<byte>(96);
        using (var w = new Utf8JsonWriter(buffer))
        {
            JsonSerializer.Serialize(w, m, ContractsJsonContext.Default.NetmapMessage);
        }

        return Line(buffer);
    }

    private static byte[] Line(ArrayBufferWriter<byte> buffer)
    {
        var line = new byte[buffer.WrittenCount + 1];
        buffer.WrittenSpan.CopyTo(line);
        line[^1] = (byte)'\n';
        return line;
    }
}
