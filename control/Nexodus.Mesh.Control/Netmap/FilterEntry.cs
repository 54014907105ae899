using System.Text.Json;
using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Control.Netmap;

/// <summary>A security group compiled to a packet filter, serialized once per generation and shared by its members.</summary>
internal sealed class FilterEntry(PacketFilter filter)
{
    public PacketFilter Filter { get; } = filter;

    public byte[] Json { get; } = JsonSerializer.SerializeToUtf8Bytes(filter, ContractsJsonContext.Default.PacketFilter);

    public static FilterEntry Empty { get; } = new(new PacketFilter());
}
