using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nexodus.Mesh.Core.Contracts;

/// <summary>Source-generated System.Text.Json metadata for the control wire contracts (camelCase, nulls omitted).</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EnrollRequest))]
[JsonSerializable(typeof(EnrollResponse))]
[JsonSerializable(typeof(DeviceStatusReport))]
[JsonSerializable(typeof(NetmapMessage))]
[JsonSerializable(typeof(Netmap))]
public sealed partial class ContractsJsonContext : JsonSerializerContext;
