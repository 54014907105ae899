using System.Net;
using Nexodus.Mesh.Node.WireGuard;

namespace Nexodus.Mesh.Node.Tests.WireGuard;

public sealed class AllowedIpsTests
{
    [Theory]
    [InlineData("10.1.2.3", "b")]
    [InlineData("10.1.9.9", "a")]
    [InlineData("10.2.0.1", "c")]
    [InlineData("192.168.1.1", "d")]
    [InlineData("fd00::1", "e")]
    [InlineData("fd00::1:1", "f")]
    [InlineData("2001:db8::1", "d6")]
    public void Lookup_LongestPrefixWins(string address, string expected)
    {
        var t = new AllowedIps<string>();
        t.Insert(IPNetwork.Parse("10.1.0.0/16"), "a");
        t.Insert(IPNetwork.Parse("10.1.2.0/24"), "b");
        t.Insert(IPNetwork.Parse("10.0.0.0/8"), "c");
        t.Insert(IPNetwork.Parse("0.0.0.0/0"), "d");
        t.Insert(IPNetwork.Parse("fd00::/64"), "e");
        t.Insert(IPNetwork.Parse("fd00::1:0/112"), "f");
        t.Insert(IPNetwork.Parse("::/0"), "d6");
        Assert.Equal(expected, t.Lookup(IPAddress.Parse(address).GetAddressBytes()));
    }

    [Fact]
    public void RemoveByValue_RemovesOnlyThatPeer()
    {
        var t = new AllowedIps<string>();
        t.Insert(IPNetwork.Parse("10.0.0.0/8"), "a");
        t.Insert(IPNetwork.Parse("10.1.0.0/16"), "b");
        t.Insert(IPNetwork.Parse("fd00::/8"), "b");
        t.RemoveByValue("b");
        Assert.Equal("a", t.Lookup(IPAddress.Parse("10.1.0.1").GetAddressBytes()));
        Assert.Null(t.Lookup(IPAddress.Parse("fd00::1").GetAddressBytes()));
        Assert.Empty(t.EntriesFor("b"));
    }

    [Fact]
    public void EntriesFor_ReturnsCanonicalPrefixes()
    {
        var t = new AllowedIps<string>();
        t.Insert(IPNetwork.Parse("10.1.0.0/16"), "a");
        t.Insert(IPNetwork.Parse("192.168.7.42/32"), "a");
        t.Insert(IPNetwork.Parse("fd00:1::/48"), "a");
        var entries = t.EntriesFor("a").Select(e => e.ToString()).Order().ToArray();
        Assert.Equal(["10.1.0.0/16", "192.168.7.42/32", "fd00:1::/48"], entries);
    }

    [Fact]
    public void Lookup_Empty_ReturnsNull()
    {
        var t = new AllowedIps<string>();
        Assert.Null(t.Lookup(IPAddress.Parse("1.2.3.4").GetAddressBytes()));
        Assert.Null(t.Lookup(IPAddress.Parse("::1").GetAddressBytes()));
    }
}
