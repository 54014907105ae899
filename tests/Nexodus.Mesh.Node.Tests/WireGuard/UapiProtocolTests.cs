using System.Net;
using System.Net.Sockets;
using System.Text;
using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Node.Uapi;

namespace Nexodus.Mesh.Node.Tests.WireGuard;

public sealed class UapiProtocolTests
{
    [Fact]
    public async Task SetThenGet_RoundTripsDeviceAndPeer()
    {
        await using var p = new DevicePair();
        var uapi = new UapiProtocol(p.A);
        var newPeer = PrivateKey.Generate().PublicKey;
        var psk = new byte[32];
        psk[0] = 9;
        var (errno, error) = uapi.Set([
            "public_key=" + Convert.ToHexStringLower(newPeer.Span),
            "preshared_key=" + Convert.ToHexStringLower(psk),
            "endpoint=[2001:db8::5]:1234",
            "persistent_keepalive_interval=15",
            "replace_allowed_ips=true",
            "allowed_ip=10.50.0.0/16",
            "allowed_ip=fd50::/64",
        ]);
        Assert.Equal(0, errno);
        Assert.Null(error);
        var dump = uapi.Get();
        Assert.Contains("private_key=" + Convert.ToHexStringLower(p.KeyA.ExportBytes()), dump, StringComparison.Ordinal);
        Assert.Contains("listen_port=51820\n", dump, StringComparison.Ordinal);
        Assert.Contains("public_key=" + Convert.ToHexStringLower(newPeer.Span), dump, StringComparison.Ordinal);
        Assert.Contains("endpoint=[2001:db8::5]:1234\n", dump, StringComparison.Ordinal);
        Assert.Contains("persistent_keepalive_interval=15\n", dump, StringComparison.Ordinal);
        Assert.Contains("allowed_ip=10.50.0.0/16\n", dump, StringComparison.Ordinal);
        Assert.Contains("allowed_ip=fd50::/64\n", dump, StringComparison.Ordinal);
        Assert.Contains("preshared_key=09", dump, StringComparison.Ordinal);
        Assert.EndsWith("errno=0\n\n", dump, StringComparison.Ordinal);

        Assert.Equal(0, uapi.Set(["public_key=" + Convert.ToHexStringLower(newPeer.Span), "remove=true"]).Errno);
        Assert.Null(p.A.LookupPeer(newPeer));
    }

    [Fact]
    public async Task Get_RelayedPeer_PrintsNoEndpointLine()
    {
        // `wg` parses endpoint= as ip:port and gives up on the whole dump otherwise; a relayed peer has none.
        await using var p = new DevicePair();
        var key = PrivateKey.Generate().PublicKey;
        var peer = p.A.AddPeer(key);
        peer.SetEndpoint(new Nexodus.Mesh.Core.Net.RelayEndpoint("7"));

        var dump = new UapiProtocol(p.A).Get();

        Assert.Contains("public_key=" + Convert.ToHexStringLower(key.Span), dump, StringComparison.Ordinal);
        Assert.DoesNotContain("relay:", dump, StringComparison.Ordinal);
        var afterPeer = dump[dump.IndexOf("public_key=" + Convert.ToHexStringLower(key.Span), StringComparison.Ordinal)..];
        var nextPeer = afterPeer.IndexOf("public_key=", 11, StringComparison.Ordinal);
        Assert.DoesNotContain("endpoint=", nextPeer < 0 ? afterPeer : afterPeer[..nextPeer], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("private_key=zz")]
    [InlineData("listen_port=70000")]
    [InlineData("bogus=1")]
    [InlineData("no equals sign")]
    [InlineData("public_key=0000")]
    public async Task Set_BadInput_Einval(string line)
    {
        await using var p = new DevicePair();
        Assert.Equal(UapiProtocol.EINVAL, new UapiProtocol(p.A).Set([line]).Errno);
    }

    [Fact]
    public async Task Set_UpdateOnlyForUnknownPeer_DoesNotCreate()
    {
        await using var p = new DevicePair();
        var key = PrivateKey.Generate().PublicKey;
        Assert.Equal(0, new UapiProtocol(p.A).Set(["public_key=" + Convert.ToHexStringLower(key.Span), "update_only=true", "allowed_ip=10.77.0.0/16"]).Errno);
        Assert.Null(p.A.LookupPeer(key));
    }

    [Fact]
    public async Task Server_OverUnixSocket_AnswersGetAndRemovesSocketOnDispose()
    {
        await using var p = new DevicePair();
        var dir = Directory.CreateTempSubdirectory("uapi").FullName;
        var server = UapiServer.Start("t0", p.A, directory: dir);
        using (var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            await s.ConnectAsync(new UnixDomainSocketEndPoint(server.SocketPath));
            await s.SendAsync(Encoding.ASCII.GetBytes("get=1\n\n"));
            var buffer = new byte[65536];
            var text = new StringBuilder();
            while (!text.ToString().EndsWith("\n\n", StringComparison.Ordinal))
            {
                var n = await s.ReceiveAsync(buffer);
                Assert.True(n > 0);
                text.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }

            Assert.Contains("public_key=" + Convert.ToHexStringLower(p.KeyB.PublicKey.Span), text.ToString(), StringComparison.Ordinal);
        }

        await server.DisposeAsync();
        Assert.False(File.Exists(Path.Combine(dir, "t0.sock")));
        Directory.Delete(dir, true);
        _ = IPAddress.Loopback;
    }
}
