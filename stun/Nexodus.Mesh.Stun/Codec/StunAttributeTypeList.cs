using System.Runtime.CompilerServices;

namespace Nexodus.Mesh.Stun.Codec;

/// <summary>
/// A small fixed-capacity list of attribute types (the unknown comprehension-required attributes of a
/// message), stored inline so parsing never allocates. Types beyond the capacity are counted but not kept;
/// a 420 answer listing the first eight is still a correct answer.
/// </summary>
public struct StunAttributeTypeList
{
    public const int Capacity = 8;

    private Buffer _items;

    /// <summary>How many types are stored (at most <see cref="Capacity"/>).</summary>
    public int Count { get; private set; }

    /// <summary>How many types were seen, including those beyond the capacity.</summary>
    public int TotalSeen { get; private set; }

    public readonly ushort this[int index] =>
        (uint)index < (uint)Count ? _items[index] : throw new ArgumentOutOfRangeException(nameof(index));

    internal void Add(ushort type)
    {
        TotalSeen++;
        for (var i = 0; i < Count; i++)
        {
            if (_items[i] == type)
            {
                return;
            }
        }

        if (Count < Capacity)
        {
            _items[Count++] = type;
        }
    }

    /// <summary>Copies the stored types into <paramref name="destination"/> and returns how many were copied.</summary>
    public readonly int CopyTo(Span<ushort> destination)
    {
        var n = Math.Min(Count, destination.Length);
        for (var i = 0; i < n; i++)
        {
            destination[i] = _items[i];
        }

        return n;
    }

    [InlineArray(Capacity)]
    private struct Buffer
    {
        private ushort _element0;
    }
}
