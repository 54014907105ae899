namespace Nexodus.Mesh.Node.LocalApi;

/// <summary>The local API could not be used; the message is written for the person running nexctl.</summary>
internal sealed class LocalApiException(string message) : Exception(message);
