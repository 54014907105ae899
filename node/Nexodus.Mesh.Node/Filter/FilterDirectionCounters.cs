namespace Nexodus.Mesh.Node.Filter;

/// <summary>Packets the filter dropped in one direction, by reason. Read by metrics; written by the data-plane threads.</summary>
internal sealed class FilterDirectionCounters
{
    private long _notAllowed;
    private long _malformed;
    private long _unsupportedHeader;
    private long _fragment;
    private long _tableFull;

    public long NotAllowed => Interlocked.Read(ref _notAllowed);

    public long Malformed => Interlocked.Read(ref _malformed);

    public long UnsupportedHeader => Interlocked.Read(ref _unsupportedHeader);

    public long Fragment => Interlocked.Read(ref _fragment);

    public long TableFull => Interlocked.Read(ref _tableFull);

    public long Total => NotAllowed + Malformed + UnsupportedHeader + Fragment + TableFull;

    public long Get(FilterDropReason reason) => reason switch
    {
        FilterDropReason.NotAllowed => NotAllowed,
        FilterDropReason.Malformed => Malformed,
        FilterDropReason.UnsupportedHeader => UnsupportedHeader,
        FilterDropReason.Fragment => Fragment,
        FilterDropReason.TableFull => TableFull,
        _ => 0,
    };

    public void Increment(FilterDropReason reason)
    {
        switch (reason)
        {
            case FilterDropReason.NotAllowed:
                Interlocked.Increment(ref _notAllowed);
                break;
            case FilterDropReason.Malformed:
                Interlocked.Increment(ref _malformed);
                break;
            case FilterDropReason.UnsupportedHeader:
                Interlocked.Increment(ref _unsupportedHeader);
                break;
            case FilterDropReason.Fragment:
                Interlocked.Increment(ref _fragment);
                break;
            case FilterDropReason.TableFull:
                Interlocked.Increment(ref _tableFull);
                break;
        }
    }
}
