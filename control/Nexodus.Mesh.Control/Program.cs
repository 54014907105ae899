using Microsoft.Extensions.Options;
using Nexodus.Mesh.Control.Hosting;

// nexodus-control: the control service. Flags map onto configuration keys (see README):
//   --data-dir DIR  --listen URL  --db sqlite|postgres  --db-connection STRING  --public-url URL  --otlp-endpoint URL
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine("""
        nexodus-control [--data-dir DIR] [--listen URL] [--db sqlite|postgres] [--db-connection STRING] [--public-url URL] [--otlp-endpoint URL]
        Configuration also from NEXODUS_CONTROL_CONFIG (JSON file) and environment NEXODUS_Control__<Key>.
        Defaults: SQLite in ./nexodus-control-data, listening on http://127.0.0.1:8080.
        """);
    return 0;
}

try
{
    await using var app = ControlApplication.Build(args);
    await ControlApplication.InitializeAsync(app);
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
