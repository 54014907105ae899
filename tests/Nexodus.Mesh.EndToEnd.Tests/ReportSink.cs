using Xunit.Abstractions;
using Xunit.Sdk;

namespace Nexodus.Mesh.EndToEnd.Tests;

/// <summary>
/// Prints figures where CI shows them: the test's own output (kept in the trx) and an xUnit diagnostic message, which
/// the console logger shows at normal verbosity for passed tests too (xunit.runner.json enables them).
/// </summary>
public sealed class ReportSink(IMessageSink sink)
{
    public void Print(ITestOutputHelper output, string text)
    {
        output.WriteLine(text);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            sink.OnMessage(new DiagnosticMessage("{0}", line.TrimEnd('\r')));
        }
    }
}
