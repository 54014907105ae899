using Prometheus;

namespace Nexodus.Mesh.Stun.Server;

/// <summary>
/// Prometheus counters of the STUN server. Label children are resolved once here so that counting on the
/// request path is a lock-free increment with no allocation.
/// </summary>
public sealed class StunServerMetrics
{
    private readonly Counter.Child _requestsModern;
    private readonly Counter.Child _requestsClassic;
    private readonly Counter.Child _responsesSuccess;
    private readonly Counter.Child _responsesError;
    private readonly Counter _responsesChangedOrigin;
    private readonly Counter.Child[] _drops;

    public StunServerMetrics(CollectorRegistry? registry = null)
    {
        var factory = Metrics.WithCustomRegistry(registry ?? Metrics.DefaultRegistry);
        var requests = factory.CreateCounter("nexodus_stun_requests_total", "STUN requests received (valid STUN, request class).", "protocol");
        var responses = factory.CreateCounter("nexodus_stun_responses_total", "STUN responses sent.", "class");
        var changed = factory.CreateCounter("nexodus_stun_change_request_responses_total", "Success responses sent from another socket because of CHANGE-REQUEST (RFC 5780).");
        var drops = factory.CreateCounter("nexodus_stun_dropped_total", "Datagrams dropped without an answer.", "reason");
        _requestsModern = requests.WithLabels("rfc8489");
        _requestsClassic = requests.WithLabels("rfc3489");
        _responsesSuccess = responses.WithLabels("success");
        _responsesError = responses.WithLabels("error");
        _responsesChangedOrigin = changed;
        var reasons = Enum.GetValues<StunDropReason>();
        _drops = new Counter.Child[reasons.Length];
        foreach (var reason in reasons)
        {
            if (reason != StunDropReason.None)
            {
                _drops[(int)reason] = drops.WithLabels(ReasonLabel(reason));
            }
        }
    }

    public static string ReasonLabel(StunDropReason reason) => reason switch
    {
        StunDropReason.TooShort => "too_short",
        StunDropReason.NotStun => "not_stun",
        StunDropReason.LengthMismatch => "length_mismatch",
        StunDropReason.MalformedAttribute => "malformed_attribute",
        StunDropReason.BadFingerprint => "bad_fingerprint",
        StunDropReason.NotRequest => "not_request",
        StunDropReason.ResponseTooLarge => "response_too_large",
        StunDropReason.BadSource => "bad_source",
        StunDropReason.SendFailed => "send_failed",
        _ => "none",
    };

    public double RequestsModern => _requestsModern.Value;

    public double RequestsClassic => _requestsClassic.Value;

    public double SuccessResponses => _responsesSuccess.Value;

    public double ErrorResponses => _responsesError.Value;

    public double ChangedOriginResponses => _responsesChangedOrigin.Value;

    public double Dropped(StunDropReason reason) => _drops[(int)reason]?.Value ?? 0;

    internal void Count(in StunResponse response, bool changedOrigin)
    {
        switch (response.Kind)
        {
            case StunResponseKind.SuccessResponse:
                (response.Classic ? _requestsClassic : _requestsModern).Inc();
                _responsesSuccess.Inc();
                if (changedOrigin)
                {
                    _responsesChangedOrigin.Inc();
                }

                break;
            case StunResponseKind.ErrorResponse:
                (response.Classic ? _requestsClassic : _requestsModern).Inc();
                _responsesError.Inc();
                break;
            default:
                CountDrop(response.DropReason);
                break;
        }
    }

    internal void CountDrop(StunDropReason reason) => _drops[(int)reason]?.Inc();
}
