namespace Nexodus.Mesh.Control.Netmap;

/// <summary>One queued line of a stream: ready bytes (often the same array for every stream of a VPC) or a full map.</summary>
internal readonly record struct OutgoingLine(byte[]? Bytes, FullMapLine? Full);
