using Nexodus.Mesh.Core.Keys;
using Nexodus.Mesh.Node.WireGuard;

namespace Nexodus.Mesh.Node.Tests.WireGuard;

public sealed class TunnelConfigParserTests
{
    private static readonly string Priv = PrivateKey.Generate().ExportText();
    private static readonly string Pub1 = PrivateKey.Generate().PublicKey.ToString();
    private static readonly string Pub2 = PrivateKey.Generate().PublicKey.ToString();

    [Fact]
    public void Parse_FullConfig_AllFieldsRead()
    {
        var psk = Convert.ToBase64String(new byte[32].Select((_, i) => (byte)i).ToArray());
        var c = TunnelConfigParser.Parse($"""
            # comment
            [Interface]
            PrivateKey = {Priv}
            ListenPort = 51820
            Address = 10.0.0.1/24, fd00::1/64
            MTU = 1380

            [Peer]
            PublicKey = {Pub1}
            PresharedKey = {psk}
            Endpoint = 192.0.2.1:51820
            AllowedIPs = 10.0.0.2/32, 10.1.0.5/16
            PersistentKeepalive = 25

            [Peer]
            PublicKey = {Pub2}
            Endpoint = [2001:db8::1]:51820
            AllowedIPs = 10.0.0.0/8
            """);
        Assert.Equal(Priv, c.PrivateKey!.ExportText());
        Assert.Equal((ushort)51820, c.ListenPort);
        Assert.Equal(["10.0.0.1/24", "fd00::1/64"], c.Addresses);
        Assert.Equal(1380, c.Mtu);
        Assert.Equal(2, c.Peers.Count);
        Assert.Equal(Pub1, c.Peers[0].PublicKey.ToString());
        Assert.Equal(1, c.Peers[0].PresharedKey![1]);
        Assert.Equal("192.0.2.1:51820", c.Peers[0].Endpoint!.ToString());
        Assert.Equal(["10.0.0.2/32", "10.1.0.0/16"], c.Peers[0].AllowedIps.Select(a => a.ToString()));
        Assert.Equal(25, c.Peers[0].PersistentKeepalive);
        Assert.Equal("[2001:db8::1]:51820", c.Peers[1].Endpoint!.ToString());
    }

    [Theory]
    [InlineData("[Interface]\nPrivateKey = nope", 2, "PrivateKey")]
    [InlineData("[Interface]\nListenPort = 99999", 2, "ListenPort")]
    [InlineData("[Interface]\nMTU = 12", 2, "MTU")]
    [InlineData("[Interface]\nAddress = 10.0.0.300/24", 2, "Address")]
    [InlineData("[Interface]\n\n[Peer]\nPublicKey = AAAA", 4, "PublicKey")]
    [InlineData("[Interface]\n[Peer]\nPublicKey = PUB1\nEndpoint = 192.0.2.1", 4, "Endpoint")]
    [InlineData("[Interface]\n[Peer]\nPublicKey = PUB1\nEndpoint = 192.0.2.1:0", 4, "Endpoint")]
    [InlineData("[Interface]\n[Peer]\nPublicKey = PUB1\nAllowedIPs = 10.0.0.0/33", 4, "AllowedIPs")]
    [InlineData("[Interface]\n[Peer]\nPublicKey = PUB1\nPresharedKey = short", 4, "PresharedKey")]
    [InlineData("[Interface]\n[Peer]\nPublicKey = PUB1\nAllowedIPs = 10.0.0.0/24\n[Peer]\nPublicKey = PUB2\nAllowedIPs = 10.0.0.7/24", 5, "overlaps")]
    [InlineData("[Interface]\n[Peer]\nPublicKey = PUB1\n[Peer]\nPublicKey = PUB1", 4, "same PublicKey")]
    [InlineData("[Interface]\n[Peer]\nEndpoint = 192.0.2.1:1", 2, "no PublicKey")]
    [InlineData("PrivateKey = x", 1, "outside")]
    [InlineData("[Wat]", 1, "unknown section")]
    [InlineData("[Interface]\nBogus = 1", 2, "unknown")]
    [InlineData("[Interface]\njust text", 2, "Key = Value")]
    public void Parse_BadInput_ErrorNamesLine(string text, int line, string mention)
    {
        var e = Assert.Throws<ConfigException>(() => TunnelConfigParser.Parse(text.Replace("PUB1", Pub1, StringComparison.Ordinal).Replace("PUB2", Pub2, StringComparison.Ordinal)));
        Assert.Equal(line, e.Line);
        Assert.Contains(mention, e.Message, StringComparison.Ordinal);
        Assert.StartsWith($"line {line}:", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nexd_BadConfig_ExitCode2AndNamesLine()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, $"[Interface]\nPrivateKey = {Priv}\n[Peer]\nPublicKey = {Pub1}\nEndpoint = not-an-endpoint\n");
            var (code, output) = TestDoubles.WireGuard.Shell.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "nexd.dll"), "tunnel", "--interface", "wgtbad0", "--config", file]);
            Assert.Equal(2, code);
            Assert.Contains("line 5", output, StringComparison.Ordinal);
            Assert.Contains("Endpoint", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
