using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nexodus.Mesh.Node.LocalApi;

/// <summary>Source-generated (reflection-free) JSON for the local API, shared by nexd and nexctl.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(PeerResponse[]))]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class LocalApiJsonContext : JsonSerializerContext;
