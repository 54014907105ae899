namespace Nexodus.Mesh.Node.WireGuard;

/// <summary>
/// Sliding-window anti-replay filter (RFC 6479 style ring of bit blocks): 128 blocks of 64 bits give a
/// window of (128 - 1) * 64 = 8128 counters, the same as wireguard-go. Not thread-safe; the keypair's
/// receive lock guards it.
/// </summary>
internal sealed class ReplayFilter
{
    private const int BlockBits = 64;
    private const int RingBlocks = 128;
    private const int BlockMask = RingBlocks - 1;
    public const ulong WindowSize = (RingBlocks - 1) * BlockBits;

    private readonly ulong[] _ring = new ulong[RingBlocks];
    private ulong _last;

    public void Reset()
    {
        _last = 0;
        Array.Clear(_ring);
    }

    /// <summary>True when <paramref name="counter"/> is new and inside the window; marks it seen.</summary>
    public bool ValidateCounter(ulong counter, ulong limit)
    {
        if (counter >= limit)
        {
            return false;
        }

        var indexBlock = counter / BlockBits;
        if (counter > _last)
        {
            var current = _last / BlockBits;
            var diff = indexBlock - current;
            if (diff > RingBlocks)
            {
                diff = RingBlocks;
            }

            for (var i = current + 1; i <= current + diff; i++)
            {
                _ring[(int)(i & BlockMask)] = 0;
            }

            _last = counter;
        }
        else if (_last - counter > WindowSize)
        {
            return false;
        }

        var block = (int)(indexBlock & BlockMask);
        var bit = 1UL << (int)(counter % BlockBits);
        var old = _ring[block];
        _ring[block] = old | bit;
        return (old & bit) == 0;
    }
}
