namespace Nexodus.Mesh.Netsim;

/// <summary>
/// A tcpdump capture on one interface of a node, written to a pcap file. Stop it, then read the file or its
/// decoded text.
/// </summary>
public sealed class PacketCapture : IAsyncDisposable
{
    private readonly LabProcess _tcpdump;

    private PacketCapture(LabProcess tcpdump, string filePath, string interfaceName)
    {
        _tcpdump = tcpdump;
        FilePath = filePath;
        InterfaceName = interfaceName;
    }

    /// <summary>The pcap file (kept after the lab is disposed only if it lies outside the run's state directory).</summary>
    public string FilePath { get; }

    public string InterfaceName { get; }

    /// <summary>What tcpdump printed (start-up line, packet counts when stopped), for diagnostics.</summary>
    public string Log => _tcpdump.Output;

    internal static async Task<PacketCapture> StartAsync(LabNode node, string interfaceName, string? filter, string filePath, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(filePath)!);
        // --immediate-mode hands packets over as they come (else the kernel ring buffer holds them for up to a
        // second and a quick stop loses them), -U writes each one at once, -n avoids DNS lookups.
        List<string> argv = ["tcpdump", "-n", "--immediate-mode", "-U", "-i", interfaceName, "-w", filePath];
        if (!string.IsNullOrWhiteSpace(filter))
        {
            argv.AddRange(filter.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        }

        var process = node.StartProcess(argv);
        try
        {
            await process.WaitForOutputAsync("listening on", TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }

        return new PacketCapture(process, filePath, interfaceName);
    }

    /// <summary>Stops the capture (SIGINT lets tcpdump flush) and returns the pcap file path.</summary>
    public async Task<string> StopAsync()
    {
        if (!_tcpdump.HasExited)
        {
            _tcpdump.Signal(NativeMethods.SigInt);
            try
            {
                await _tcpdump.WaitForExitAsync(TimeSpan.FromSeconds(5));
            }
            catch (TimeoutException)
            {
                await _tcpdump.StopAsync(TimeSpan.FromSeconds(1));
            }
        }

        return FilePath;
    }

    /// <summary>Stops the capture and returns <c>tcpdump -nn -r</c> of it (with <c>-A</c> payloads if asked).</summary>
    public async Task<string> StopAndReadTextAsync(bool withPayload = false, CancellationToken cancellationToken = default)
    {
        await StopAsync();
        List<string> argv = ["tcpdump", "-nn", "-r", FilePath];
        if (withPayload)
        {
            argv.Add("-A");
        }

        var r = await CommandRunner.CheckAsync(argv, cancellationToken: cancellationToken);
        return r.StandardOutput;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _tcpdump.DisposeAsync();
    }
}
