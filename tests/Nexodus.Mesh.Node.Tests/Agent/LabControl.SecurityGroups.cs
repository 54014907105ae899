using System.Net.Http.Json;
using System.Text.Json;

namespace Nexodus.Mesh.Node.Tests.Agent;

/// <summary>Security groups, group-bound registration keys and device lookups through control's REST API.</summary>
internal sealed partial class LabControl
{
    public async Task<Guid> SecurityGroupIdAsync(Guid vpcId, string name)
    {
        var groups = JsonDocument.Parse(await _http.GetStringAsync($"/api/security-groups?vpcId={vpcId}")).RootElement;
        foreach (var group in groups.EnumerateArray())
        {
            if (group.GetProperty("name").GetString() == name)
            {
                return group.GetProperty("id").GetGuid();
            }
        }

        throw new InvalidOperationException($"no security group '{name}' in VPC {vpcId}: {groups}");
    }

    /// <summary>POST /api/security-groups; rules as the API takes them (protocol, fromPort, toPort, cidrs, securityGroupIds).</summary>
    public async Task<Guid> CreateSecurityGroupAsync(Guid vpcId, string name, object[] inboundRules, object[] outboundRules)
    {
        using var res = await _http.PostAsJsonAsync("/api/security-groups", new { vpcId, name, inboundRules, outboundRules });
        var body = await res.Content.ReadAsStringAsync();
        Assert.True(res.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }

    /// <summary>PUT /api/security-groups/{id} with new inbound rules (outbound unchanged).</summary>
    public async Task UpdateInboundRulesAsync(Guid groupId, object[] inboundRules)
    {
        using var res = await _http.PutAsJsonAsync($"/api/security-groups/{groupId}", new { inboundRules });
        var body = await res.Content.ReadAsStringAsync();
        Assert.True(res.IsSuccessStatusCode, body);
    }

    /// <summary>A multi-use registration key whose devices join <paramref name="securityGroupId"/>.</summary>
    public async Task<string> CreateKeyAsync(Guid vpcId, Guid securityGroupId)
    {
        using var key = await _http.PostAsJsonAsync("/api/registration-keys", new { vpcId, securityGroupId, singleUse = false });
        var body = await key.Content.ReadAsStringAsync();
        Assert.True(key.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("secret").GetString()!;
    }
}
