namespace Nexodus.Mesh.Relay.Admission;

/// <summary>What a valid admission token grants: the VPCs the key may talk in, until when.</summary>
public sealed record Admission(Guid[] Vpcs, DateTimeOffset Expires)
{
    /// <summary>True when the two admissions share at least one VPC (the forwarding rule).</summary>
    public bool SharesVpcWith(Guid[] other)
    {
        foreach (var a in Vpcs)
        {
            foreach (var b in other)
            {
                if (a == b)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
