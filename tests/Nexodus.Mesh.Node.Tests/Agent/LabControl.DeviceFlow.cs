using Nexodus.Mesh.TestDoubles.Control;

namespace Nexodus.Mesh.Node.Tests.Agent;

internal sealed partial class LabControl
{
    /// <summary>
    /// Plays the signed-in human on control's verification page: opens it for <paramref name="userCode"/>, then
    /// approves or denies. Returns the page as shown before the decision.
    /// </summary>
    public async Task<string> DecideDeviceLoginAsync(string userCode, bool approve)
    {
        var page = await _http.GetStringAsync("/connect/verify?user_code=" + Uri.EscapeDataString(userCode));
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = ControlAdminSession.AntiforgeryToken(page),
            ["user_code"] = userCode,
            ["decision"] = approve ? "approve" : "deny",
        });
        using var res = await _http.PostAsync("/connect/verify", form);
        Assert.True((int)res.StatusCode is 200 or 302, $"verification page answered {(int)res.StatusCode}: {await res.Content.ReadAsStringAsync()}");
        return page;
    }
}
