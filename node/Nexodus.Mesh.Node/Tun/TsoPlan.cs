namespace Nexodus.Mesh.Node.Tun;

/// <summary>Layout of a TCP super-packet being cut by <see cref="TsoSegmenter"/>.</summary>
internal readonly record struct TsoPlan(int IpVersion, int IpHeaderLength, int HeaderLength, int Mss, int PayloadLength, int SegmentCount);
