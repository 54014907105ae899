using Nexodus.Mesh.Core.Keys;

namespace Nexodus.Mesh.Control.Bench;

/// <summary>A device's node key made before enrollment, so a probe knows the key to watch for before it joins.</summary>
internal sealed record PendingKey(PrivateKey Key)
{
    public string NodeKey { get; } = Key.PublicKey.ToString();

    public static PendingKey Create() => new(PrivateKey.Generate());
}
