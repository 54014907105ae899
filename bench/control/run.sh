#!/usr/bin/env bash
# Control netmap at scale: N simulated devices hold netmap streams on one real nexodus-control process (temporary
# SQLite database, allow-all default policy); prints join->all-updated p50/p99, control CPU seconds per join and
# memory per idle device next to the targets (p99 < 1 s at 10,000 devices, <= 32 KiB per idle device).
# Usage: bench/control/run.sh [--devices 1000,10000] [--joins 50] [--concurrency 16] [--control-arg ARG]...
set -euo pipefail
cd "$(dirname "$0")/../.."
# Every stream is a socket on both sides (control and the simulated devices): each process needs more than N fds.
if ! ulimit -n 65536 2>/dev/null; then
  ulimit -n "$(ulimit -Hn)"
  echo "bench/control: fd limit 65536 not allowed here; using the hard limit $(ulimit -n)"
fi
dotnet build control/Nexodus.Mesh.Control -c Release -nologo -v q -clp:ErrorsOnly
dotnet build bench/control/Nexodus.Mesh.Control.Bench -c Release -nologo -v q -clp:ErrorsOnly
control=control/Nexodus.Mesh.Control/bin/Release/net10.0/nexodus-control
bench=bench/control/Nexodus.Mesh.Control.Bench/bin/Release/net10.0/Nexodus.Mesh.Control.Bench.dll
args=("$@")
if [[ ! " ${args[*]-} " == *" --devices "* ]]; then
  args+=(--devices 1000,10000)
fi
exec dotnet "$bench" --control-bin "$control" "${args[@]}"
