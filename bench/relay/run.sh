#!/usr/bin/env bash
# Relay throughput and p99 latency of ~1400-byte packets between client pairs through one relay over TLS on this
# machine, in two layouts (see Program.cs): the relay and its clients in one process, and the real nexodus-relay in
# its own process pinned to one CPU with the clients pinned to the other.
# Usage: bench/relay/run.sh [--layout inprocess|split|both] [--pairs N] [--seconds S] [--size BYTES] [--window PACKETS] [--websocket]
set -euo pipefail
cd "$(dirname "$0")/../.."
layout=both
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --layout) layout="$2"; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
dotnet build bench/relay/Nexodus.Mesh.Relay.Bench -c Release -nologo -v q -clp:ErrorsOnly
dotnet build relay/Nexodus.Mesh.Relay.Cli -c Release -nologo -v q -clp:ErrorsOnly
bench=bench/relay/Nexodus.Mesh.Relay.Bench/bin/Release/net10.0/Nexodus.Mesh.Relay.Bench.dll
relay=relay/Nexodus.Mesh.Relay.Cli/bin/Release/net10.0/nexodus-relay.dll
ncpu=$(nproc)
status=0
if [[ $layout == inprocess || $layout == both ]]; then
  echo "== in-process: relay and all clients in one process, unpinned"
  dotnet "$bench" --layout inprocess "${args[@]}" || status=$?
fi
if [[ $layout == split || $layout == both ]]; then
  if [[ $ncpu -ge 2 ]]; then
    echo "== split: nexodus-relay pinned to CPU 1, clients pinned to CPU 0"
    taskset -c 0 dotnet "$bench" --layout split --relay-bin "$relay" --relay-cpu 1 "${args[@]}" || status=$?
  else
    echo "== split: nexodus-relay in its own process (one CPU: no pinning)"
    dotnet "$bench" --layout split --relay-bin "$relay" "${args[@]}" || status=$?
  fi
fi
exit $status
