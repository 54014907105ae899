using Microsoft.Extensions.Options;
using Nexodus.Mesh.Control.Hosting;

// nexodus-control: the control service. Flags map onto configuration keys (see README):
//   --data-dir DIR  --listen URL  --db sqlite|postgres  --db-connection STRING  --public-url URL  --otlp-endpoint URL
//   --log-format text|json  --max-connections N
// and, for the one-box setup, the embedded relay and STUN server:
//   --relay-listen IP:PORT  --stun-listen IP:PORT|off  --relay-host NAME  --relay-tls-cert FILE --relay-tls-key FILE [--relay-tls-pin]
//   --relay-key-file FILE  --no-embedded-relay
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine("""
        nexodus-control [--data-dir DIR] [--listen URL] [--db sqlite|postgres] [--db-connection STRING] [--public-url URL] [--otlp-endpoint URL]
                        [--log-format text|json] [--max-connections N]
                        [--relay-listen IP:PORT] [--stun-listen IP:PORT|off] [--relay-host NAME] [--relay-tls-cert FILE --relay-tls-key FILE [--relay-tls-pin]]
                        [--relay-key-file FILE] [--no-embedded-relay]
        Configuration also from NEXODUS_CONTROL_CONFIG (JSON file) and environment NEXODUS_Control__<Key>.
        Logs: readable text lines by default; --log-format json (or NEXODUS_Logging__Format=json) for log collectors.
        Defaults: SQLite in ./nexodus-control-data, listening on http://127.0.0.1:8080, embedded relay on
        https://127.0.0.1:8443 (self-signed certificate kept in DIR/relay-dev-cert.pem and pinned in the relay map, unless
        --relay-tls-cert/--relay-tls-key; --relay-tls-pin pins that one too), relay key in DIR/relay.key, and STUN on UDP 127.0.0.1:3478.
        """);
    return 0;
}

if (!EmbeddedRelayArguments.TryParse(args, out var controlArgs, out var relayOptions, out var error))
{
    Console.Error.WriteLine($"nexodus-control: {error}");
    return 2;
}

try
{
    await using var app = ControlApplication.Build(controlArgs);
    await ControlApplication.InitializeAsync(app);
    await using var relay = relayOptions is null ? null : await EmbeddedRelay.StartAsync(app, relayOptions);
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    foreach (var failure in ex.Failures)
    {
        Console.Error.WriteLine($"nexodus-control: {failure}");
    }

    return 2;
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"nexodus-control: {ex.Message}");
    return 2;
}
catch (IOException ex) when (ex.InnerException is System.Net.Sockets.SocketException || ex.Message.Contains("address", StringComparison.OrdinalIgnoreCase))
{
    Console.Error.WriteLine($"nexodus-control: cannot listen: {ex.Message}");
    return 1;
}
catch (System.Net.Sockets.SocketException ex)
{
    Console.Error.WriteLine($"nexodus-control: cannot listen: {ex.Message} (is another instance running? choose ports with --listen/--relay-listen/--stun-listen)");
    return 1;
}
