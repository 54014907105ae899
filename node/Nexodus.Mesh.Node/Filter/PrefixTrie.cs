namespace Nexodus.Mesh.Node.Filter;

/// <summary>
/// Immutable binary trie over 128-bit addresses (IPv4 in the top 32 bits) whose nodes carry the rules of the prefix
/// ending there. A lookup walks at most 32/128 nodes along the address and tests the rules of every covering
/// prefix; arrays only, so a lookup neither allocates nor chases object references.
/// </summary>
internal sealed class PrefixTrie
{
    private readonly int[] _zero;
    private readonly int[] _one;
    private readonly int[] _ruleStart;
    private readonly int[] _ruleCount;
    private readonly PortRule[] _rules;
    private readonly int _bits;

    private PrefixTrie(int bits, int[] zero, int[] one, int[] ruleStart, int[] ruleCount, PortRule[] rules)
    {
        _bits = bits;
        _zero = zero;
        _one = one;
        _ruleStart = ruleStart;
        _ruleCount = ruleCount;
        _rules = rules;
    }

    public int RuleCount => _rules.Length;

    /// <summary>True when a rule on a prefix covering <paramref name="address"/> admits the protocol and port.</summary>
    public bool Matches(UInt128 address, byte protocol, ushort destinationPort)
    {
        var node = 0;
        var depth = 0;
        while (true)
        {
            var start = _ruleStart[node];
            var end = start + _ruleCount[node];
            for (var i = start; i < end; i++)
            {
                if (_rules[i].Matches(protocol, destinationPort))
                {
                    return true;
                }
            }

            if (depth == _bits)
            {
                return false;
            }

            node = ((address >> (127 - depth)) & UInt128.One) == UInt128.Zero ? _zero[node] : _one[node];
            if (node < 0)
            {
                return false;
            }

            depth++;
        }
    }

    /// <summary>Collects prefixes, then freezes them into a <see cref="PrefixTrie"/>.</summary>
    internal sealed class Builder(int bits)
    {
        private readonly List<int> _zero = [-1];
        private readonly List<int> _one = [-1];
        private readonly List<List<PortRule>?> _rules = [null];

        public void Add(UInt128 prefix, int length, PortRule rule)
        {
            var node = 0;
            for (var depth = 0; depth < length; depth++)
            {
                var children = ((prefix >> (127 - depth)) & UInt128.One) == UInt128.Zero ? _zero : _one;
                if (children[node] < 0)
                {
                    children[node] = _zero.Count;
                    _zero.Add(-1);
                    _one.Add(-1);
                    _rules.Add(null);
                }

                node = children[node];
            }

            var list = _rules[node] ??= [];
            if (!list.Contains(rule))
            {
                list.Add(rule);
            }
        }

        public PrefixTrie Build()
        {
            var count = _zero.Count;
            var start = new int[count];
            var length = new int[count];
            var all = new List<PortRule>();
            for (var i = 0; i < count; i++)
            {
                start[i] = all.Count;
                if (_rules[i] is { } list)
                {
                    all.AddRange(list);
                    length[i] = list.Count;
                }
            }

            return new PrefixTrie(bits, [.. _zero], [.. _one], start, length, [.. all]);
        }
    }
}
