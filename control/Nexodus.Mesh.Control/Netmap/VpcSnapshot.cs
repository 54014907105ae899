using Nexodus.Mesh.Control.Storage;
using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Control.Netmap;

/// <summary>Everything needed to compute the view of every device of one VPC, read in one go.</summary>
internal sealed record VpcSnapshot(Vpc Vpc, IReadOnlyList<Device> Devices, IReadOnlyList<SecurityGroup> Groups, RelayMap RelayMap, long Revision);
