using Nexodus.Mesh.Core.Contracts;

namespace Nexodus.Mesh.Control.Netmap;

/// <summary>
/// A full map still to be written: serialized while writing, straight into the response (at 10,000 peers it is
/// megabytes; building it as one array per stream would churn the large object heap).
/// </summary>
internal sealed record FullMapLine(VpcGeneration Generation, PeerEntry Self, long Revision, RelayAdmission Admission);
