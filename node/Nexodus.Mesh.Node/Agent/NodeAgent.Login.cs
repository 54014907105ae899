using Microsoft.Extensions.Logging;
using Nexodus.Mesh.Node.ControlPlane;

namespace Nexodus.Mesh.Node.Agent;

internal sealed partial class NodeAgent
{
    /// <summary>
    /// NeedsLogin: the device authorization grant. Prints the code and the URL, waits for a human to approve it on
    /// control's page (which shows this hostname, OS, source address and node-key fingerprint), then picks the VPC.
    /// </summary>
    private async Task<(string Token, Guid VpcId)> LoginAsync(CancellationToken cancel)
    {
        var control = _control!;
        SetState(AgentState.NeedsLogin, "waiting for login approval");
        DeviceAuthorization authorization;
        try
        {
            authorization = await control.StartDeviceLoginAsync(_options.Hostname, "linux", _nodeKey!.PublicKey.ToString(), cancel);
        }
        catch (ControlRefusedException e)
        {
            throw new AgentExitException(AgentExitException.Refused, e.Message + "; this control may not offer device login, use --reg-key KEY instead");
        }
        catch (ControlUnreachableException e)
        {
            throw new AgentExitException(AgentExitException.Unreachable, e.Message + "; check --control and that the control service is running");
        }

        Print($"nexd: to log in, open {authorization.VerificationUri} and enter the code {authorization.UserCode}");
        if (authorization.VerificationUriComplete is { } complete)
        {
            Print($"nexd: or open {complete}");
        }

        var interval = authorization.Interval;
        var deadline = _time.GetUtcNow() + authorization.ExpiresIn;
        string? token = null;
        while (token is null)
        {
            if (_time.GetUtcNow() >= deadline)
            {
                throw new AgentExitException(AgentExitException.Refused, "the login code expired before it was approved; run nexd up again for a new code");
            }

            await Task.Delay(interval, _time, cancel);
            try
            {
                token = await control.PollDeviceLoginAsync(authorization.DeviceCode, () => interval += TimeSpan.FromSeconds(5), cancel);
            }
            catch (ControlRefusedException e)
            {
                throw new AgentExitException(AgentExitException.Refused, e.Message + "; run nexd up again to get a new code");
            }
            catch (ControlUnreachableException e)
            {
                // The code stays valid on the server; a blip in reaching control is no reason to start over.
                _logger.LogDebug("login poll failed: {Error}", e.Message);
            }
        }

        return (token, await ChooseVpcAsync(token, cancel));
    }

    private async Task<Guid> ChooseVpcAsync(string token, CancellationToken cancel)
    {
        IReadOnlyList<VpcChoice> vpcs;
        try
        {
            vpcs = await _control!.ListVpcsAsync(token, cancel);
        }
        catch (ControlRefusedException e)
        {
            throw new AgentExitException(AgentExitException.Refused, $"control refused to list VPCs ({e.Status}): {e.Message}");
        }
        catch (ControlUnreachableException e)
        {
            throw new AgentExitException(AgentExitException.Unreachable, e.Message);
        }

        if (_options.Vpc is { } wanted)
        {
            foreach (var vpc in vpcs)
            {
                if (string.Equals(vpc.Id.ToString(), wanted, StringComparison.OrdinalIgnoreCase) || string.Equals(vpc.Name, wanted, StringComparison.Ordinal))
                {
                    return vpc.Id;
                }
            }

            throw new AgentExitException(AgentExitException.BadConfig, $"--vpc {wanted} is not a VPC you may join; yours: {Describe(vpcs)}");
        }

        return vpcs.Count switch
        {
            1 => vpcs[0].Id,
            0 => throw new AgentExitException(AgentExitException.Refused, "your account belongs to no organization with a VPC; create one (POST /api/organizations) or ask to be invited"),
            _ => throw new AgentExitException(AgentExitException.BadConfig, $"your account can join several VPCs, pick one with --vpc ID|NAME: {Describe(vpcs)}"),
        };
    }

    private static string Describe(IReadOnlyList<VpcChoice> vpcs)
    {
        if (vpcs.Count == 0)
        {
            return "none";
        }

        var parts = new string[vpcs.Count];
        for (var i = 0; i < vpcs.Count; i++)
        {
            parts[i] = $"{vpcs[i].Name} ({vpcs[i].Id})";
        }

        return string.Join(", ", parts);
    }
}
