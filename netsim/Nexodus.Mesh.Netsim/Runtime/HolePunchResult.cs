using System.Net;

namespace Nexodus.Mesh.Netsim;

/// <summary>Outcome of <see cref="HolePunch.TryAsync"/>.</summary>
/// <param name="Succeeded">Both sides received a packet from the other.</param>
/// <param name="AReceived">A got something from B.</param>
/// <param name="BReceived">B got something from A.</param>
/// <param name="AMapping">A's endpoint as the rendezvous server saw it.</param>
/// <param name="BMapping">B's endpoint as the rendezvous server saw it.</param>
/// <param name="ASawBFrom">Source of B's packets at A (B's mapping towards A), if any arrived.</param>
/// <param name="BSawAFrom">Source of A's packets at B, if any arrived.</param>
public sealed record HolePunchResult(
    bool Succeeded,
    bool AReceived,
    bool BReceived,
    IPEndPoint? AMapping,
    IPEndPoint? BMapping,
    IPEndPoint? ASawBFrom,
    IPEndPoint? BSawAFrom);
