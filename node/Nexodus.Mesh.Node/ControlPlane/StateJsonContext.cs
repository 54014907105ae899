using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nexodus.Mesh.Node.ControlPlane;

/// <summary>Source-generated JSON for the state dir's device.json.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(NodeStateRecord))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
