namespace Nexodus.Mesh.Control.Bench;

/// <summary>Figures of one run at one N.</summary>
internal sealed record BenchResult(
    int Devices,
    double P50Ms,
    double P99Ms,
    double MaxMs,
    double CpuPerJoin,
    double RssPerDeviceKiB,
    double HeapPerDeviceKiB,
    double EnrollPerSecond,
    bool Complete);
