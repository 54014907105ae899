using System.Numerics;

namespace Nexodus.Mesh.Node.Filter;

/// <summary>
/// Remembers admitted first fragments so the later fragments of the same datagram (which carry no ports) can pass:
/// keyed by direction, addresses, protocol and fragment identification. Fixed size, direct-mapped: a collision
/// forgets the older datagram, whose remaining fragments are then dropped (the sender retransmits).
/// </summary>
internal sealed class FragmentTable
{
    private readonly Slot[] _slots;
    private readonly int _mask;
    private readonly long _ttl;
    private readonly TimeProvider _time;
    private readonly Lock _sync = new();

    public FragmentTable(ConnTrackOptions options, TimeProvider time)
    {
        _time = time;
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(options.FragmentSlots, 1, 1 << 20));
        _slots = new Slot[size];
        _mask = size - 1;
        _ttl = (long)(options.Fragment.TotalSeconds * time.TimestampFrequency);
    }

    public void Admit(FilterDirection direction, in PacketHeaders h, long generation)
    {
        var now = _time.GetTimestamp();
        lock (_sync)
        {
            ref var slot = ref _slots[Index(direction, h)];
            slot = new Slot(h.Source, h.Destination, h.FragmentId, h.Protocol, h.IsV6, direction, generation, now + _ttl);
        }
    }

    /// <summary>A later fragment passes when its first fragment was admitted under the same rules, recently.</summary>
    public bool Allows(FilterDirection direction, in PacketHeaders h, long generation)
    {
        var now = _time.GetTimestamp();
        lock (_sync)
        {
            ref var slot = ref _slots[Index(direction, h)];
            return slot.ExpiresAt > now && slot.Generation == generation && slot.Source == h.Source && slot.Destination == h.Destination
                && slot.Id == h.FragmentId && slot.Protocol == h.Protocol && slot.IsV6 == h.IsV6 && slot.Direction == direction;
        }
    }

    private int Index(FilterDirection direction, in PacketHeaders h) =>
        HashCode.Combine(h.Source, h.Destination, h.FragmentId, h.Protocol | (h.IsV6 ? 0x100 : 0) | ((int)direction << 9)) & _mask;

    private readonly record struct Slot(UInt128 Source, UInt128 Destination, uint Id, byte Protocol, bool IsV6, FilterDirection Direction, long Generation, long ExpiresAt);
}
