#!/usr/bin/env bash
# Relay throughput and p99 latency of ~1400-byte packets between client pairs through one relay over TLS on
# this machine. Usage: bench/relay/run.sh [--pairs N] [--seconds S] [--size BYTES] [--websocket]
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build bench/relay/Nexodus.Mesh.Relay.Bench -c Release -nologo -v q -clp:ErrorsOnly
exec dotnet bench/relay/Nexodus.Mesh.Relay.Bench/bin/Release/net10.0/Nexodus.Mesh.Relay.Bench.dll "$@"
