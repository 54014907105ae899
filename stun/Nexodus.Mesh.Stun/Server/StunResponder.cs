using System.Text;
using Nexodus.Mesh.Stun.Codec;

namespace Nexodus.Mesh.Stun.Server;

/// <summary>
/// The stateless core of the server: one request in, at most one answer out, written into a caller buffer
/// with no allocation. It knows the local addresses of up to four sockets (see <see cref="StunSocketRole"/>)
/// and which of them exist, and decides which socket must send the answer (RFC 5780 CHANGE-REQUEST).
/// Usable on its own by anything that owns a UDP socket and wants to answer STUN on it.
/// </summary>
public sealed class StunResponder
{
    /// <summary>Enough for the largest answer this responder writes (IPv6, all attributes, 127-byte SOFTWARE).</summary>
    public const int MaxResponseLength = 512;

    private static ReadOnlySpan<byte> BadRequestReason => "Unsupported method"u8;

    private static ReadOnlySpan<byte> BadResponsePortReason => "RESPONSE-PORT 0"u8;

    private static ReadOnlySpan<byte> UnknownAttributeReason => "Unknown attribute"u8;

    private static ReadOnlySpan<byte> NoAlternateReason => "Unknown attribute: no alternate address for CHANGE-REQUEST"u8;

    private readonly StunAddress?[] _sockets = new StunAddress?[4];
    private readonly byte[] _software;
    private readonly int _otherMask;

    /// <param name="localAddresses">
    /// Local address of each socket by <see cref="StunSocketRole"/> index (null = no such socket). Index 0 is required.
    /// </param>
    /// <param name="software">SOFTWARE value; empty to omit.</param>
    public StunResponder(IReadOnlyList<StunAddress?> localAddresses, string software)
    {
        ArgumentNullException.ThrowIfNull(localAddresses);
        ArgumentNullException.ThrowIfNull(software);
        if (localAddresses.Count is 0 or > 4 || localAddresses[0] is null)
        {
            throw new ArgumentException("the primary socket (index 0) is required, at most four sockets", nameof(localAddresses));
        }

        for (var i = 0; i < localAddresses.Count; i++)
        {
            _sockets[i] = localAddresses[i];
        }

        // OTHER-ADDRESS / CHANGED-ADDRESS name the socket that differs in both IP and port when there is one,
        // otherwise the one that differs in whatever can differ.
        _otherMask = _sockets[3] is not null ? 3 : _sockets[2] is not null ? 2 : _sockets[1] is not null ? 1 : 0;
        _software = Encoding.UTF8.GetBytes(software);
        if (_software.Length > 127)
        {
            throw new ArgumentException("SOFTWARE must be shorter than 128 bytes", nameof(software));
        }
    }

    /// <summary>The local address of a socket role, if the server has that socket.</summary>
    public StunAddress? GetLocalAddress(StunSocketRole role) => _sockets[(int)role];

    /// <summary>
    /// Decides the answer to <paramref name="request"/> that arrived from <paramref name="source"/> on socket
    /// <paramref name="receivedOn"/>; on an answer, <paramref name="response"/> holds it and
    /// <see cref="StunResponse.SendFrom"/> names the socket that must send it.
    /// </summary>
    public StunResponse Respond(ReadOnlySpan<byte> request, StunAddress source, StunSocketRole receivedOn, Span<byte> response)
    {
        if (!StunMessageReader.TryRead(request, out var message, out var error))
        {
            return StunResponse.Drop(error switch
            {
                StunParseError.TooShort => StunDropReason.TooShort,
                StunParseError.NotStun => StunDropReason.NotStun,
                StunParseError.LengthMismatch => StunDropReason.LengthMismatch,
                StunParseError.BadFingerprint => StunDropReason.BadFingerprint,
                _ => StunDropReason.MalformedAttribute,
            });
        }

        if (message.Class != StunMessageClass.Request)
        {
            return StunResponse.Drop(StunDropReason.NotRequest);
        }

        if (source.Port == 0 || source.Family is not (System.Net.Sockets.AddressFamily.InterNetwork or System.Net.Sockets.AddressFamily.InterNetworkV6))
        {
            return StunResponse.Drop(StunDropReason.BadSource);
        }

        var classic = message.IsClassic;
        var here = (int)receivedOn;
        var errorType = StunMessageType.Compose(message.Method, StunMessageClass.ErrorResponse);
        if (message.Method != StunMessageType.GetMethod(StunMessageType.BindingRequest))
        {
            var w = new StunMessageWriter(response, errorType, message.TransactionId);
            w.AddErrorCode(StunConstants.ErrorBadRequest, BadRequestReason);
            return Finish(ref w, classic, StunResponseKind.ErrorResponse, here);
        }

        if (message.ResponsePort == 0)
        {
            var w = new StunMessageWriter(response, errorType, message.TransactionId);
            w.AddErrorCode(StunConstants.ErrorBadRequest, BadResponsePortReason);
            return Finish(ref w, classic, StunResponseKind.ErrorResponse, here);
        }

        if (message.UnknownComprehensionRequired.Count > 0)
        {
            Span<ushort> unknown = stackalloc ushort[StunAttributeTypeList.Capacity];
            var n = message.UnknownComprehensionRequired.CopyTo(unknown);
            var w = new StunMessageWriter(response, errorType, message.TransactionId);
            w.AddErrorCode(StunConstants.ErrorUnknownAttribute, UnknownAttributeReason);
            w.AddUnknownAttributes(unknown[..n]);
            return Finish(ref w, classic, StunResponseKind.ErrorResponse, here);
        }

        var change = message.ChangeRequest ?? StunChangeRequest.None;
        var sendFrom = here
            ^ ((change & StunChangeRequest.ChangeIp) != 0 ? 2 : 0)
            ^ ((change & StunChangeRequest.ChangePort) != 0 ? 1 : 0);
        if (_sockets[sendFrom] is not { } origin)
        {
            // RFC 5780 §6.1: a server that cannot honour CHANGE-REQUEST answers 420 naming it.
            var w = new StunMessageWriter(response, errorType, message.TransactionId);
            w.AddErrorCode(StunConstants.ErrorUnknownAttribute, NoAlternateReason);
            w.AddUnknownAttributes([(ushort)StunAttributeType.ChangeRequest]);
            return Finish(ref w, classic, StunResponseKind.ErrorResponse, here);
        }

        var writer = new StunMessageWriter(response, StunMessageType.BindingSuccessResponse, message.TransactionId);
        var other = _otherMask != 0 ? _sockets[here ^ _otherMask] : null;
        if (classic)
        {
            // RFC 3489 §11.2: MAPPED-ADDRESS, SOURCE-ADDRESS, CHANGED-ADDRESS.
            writer.AddAddress(StunAttributeType.MappedAddress, source);
            if (!origin.IsUnspecifiedAddress)
            {
                writer.AddAddress(StunAttributeType.SourceAddress, origin);
            }

            if (other is { IsUnspecifiedAddress: false } changed)
            {
                writer.AddAddress(StunAttributeType.ChangedAddress, changed);
            }
        }
        else
        {
            writer.AddXorMappedAddress(source);
            // Kept for RFC 3489-era parsers that look only at MAPPED-ADDRESS even when the cookie is present.
            writer.AddAddress(StunAttributeType.MappedAddress, source);
            if (!origin.IsUnspecifiedAddress)
            {
                writer.AddAddress(StunAttributeType.ResponseOrigin, origin);
            }

            if (other is { IsUnspecifiedAddress: false } otherAddress)
            {
                writer.AddAddress(StunAttributeType.OtherAddress, otherAddress);
            }
        }

        var decision = Finish(ref writer, classic, StunResponseKind.SuccessResponse, sendFrom);
        // RESPONSE-PORT (RFC 5780 §6.1) redirects the answer to another port of the same IP only, so it
        // cannot reflect traffic at a third party.
        return decision.Kind == StunResponseKind.SuccessResponse && message.ResponsePort is { } responsePort
            ? decision with { ResponsePort = responsePort }
            : decision;
    }

    private StunResponse Finish(ref StunMessageWriter writer, bool classic, StunResponseKind kind, int sendFrom)
    {
        if (_software.Length > 0)
        {
            writer.AddSoftware(_software);
        }

        // RFC 3489 had no FINGERPRINT; classic clients get only attributes they know.
        if (!classic)
        {
            writer.AddFingerprint();
        }

        return writer.TryComplete(out var length)
            ? new StunResponse(kind, length, sendFrom, StunDropReason.None, classic)
            : StunResponse.Drop(StunDropReason.ResponseTooLarge);
    }
}
