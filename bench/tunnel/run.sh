#!/usr/bin/env bash
# Tunnel benchmark: our engine (nexd tunnel) vs wireguard-go, same run, same topology.
# Two network namespaces joined by a veth; each side runs one WireGuard implementation; iperf3 TCP with
# 1 and 4 streams (~10 s each) and ping RTT through the tunnel. Prints Gbit/s, RTT and ours/wireguard-go.
# Needs root. Usage: bench/tunnel/run.sh [seconds-per-iperf-run]
set -euo pipefail
SECS=${1:-10}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
P=wgb$$
A=${P}a; B=${P}b
WORK=$(mktemp -d /tmp/${P}.XXXX)
NEXD_DIR=$WORK/nexd

cleanup() {
  for ns in $A $B; do
    for pid in $(ip netns pids $ns 2>/dev/null); do kill -9 $pid 2>/dev/null || true; done
    ip netns del $ns 2>/dev/null || true
  done
  rm -rf "$WORK"
  rm -f /var/run/wireguard/${P}*.sock
}
trap cleanup EXIT

echo "building nexd (Release)..." >&2
dotnet publish "$ROOT/node/Nexodus.Mesh.Node.Nexd" -c Release -o "$NEXD_DIR" -p:UseAppHost=true >/dev/null

ip netns add $A; ip netns add $B
ip link add ${P}va type veth peer name ${P}vb
ip link set ${P}va netns $A; ip link set ${P}vb netns $B
ip -n $A addr add 192.168.250.1/24 dev ${P}va; ip -n $B addr add 192.168.250.2/24 dev ${P}vb
for ns in $A $B; do ip -n $ns link set lo up; done
ip -n $A link set ${P}va up; ip -n $B link set ${P}vb up

KA=$(wg genkey); KB=$(wg genkey); PA=$(echo "$KA" | wg pubkey); PB=$(echo "$KB" | wg pubkey)

conf() { # priv addr peerpub peerip endpoint
  cat <<C
[Interface]
PrivateKey = $1
ListenPort = 51820
Address = $2/24
MTU = 1420
[Peer]
PublicKey = $3
AllowedIPs = $4/32
Endpoint = $5:51820
C
}

measure() { # label
  local label=$1
  ip netns exec $B iperf3 -s -D -B 10.250.0.2 -p 5201 >/dev/null 2>&1
  sleep 0.5
  ip netns exec $A busybox ping -c 3 -W 2 10.250.0.2 >/dev/null || { echo "$label: tunnel does not pass traffic" >&2; exit 1; }
  local g1 g4 rtt
  g1=$(ip netns exec $A iperf3 -c 10.250.0.2 -p 5201 -t "$SECS" -P 1 -J | python3 -c 'import json,sys; print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9))')
  g4=$(ip netns exec $A iperf3 -c 10.250.0.2 -p 5201 -t "$SECS" -P 4 -J | python3 -c 'import json,sys; print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9))')
  rtt=$(ip netns exec $A busybox ping -c 20 -i 0.2 10.250.0.2 | sed -n 's#.*min/avg/max = [0-9.]*/\([0-9.]*\)/.*#\1#p')
  for pid in $(ip netns pids $B); do [ "$(cat /proc/$pid/comm 2>/dev/null)" = iperf3 ] && kill $pid; done
  echo "$label $g1 $g4 $rtt"
}

# --- ours on both ends ---
conf "$KA" 10.250.0.1 "$PB" 10.250.0.2 192.168.250.2 > $WORK/a.conf
conf "$KB" 10.250.0.2 "$PA" 10.250.0.1 192.168.250.1 > $WORK/b.conf
ip netns exec $A "$NEXD_DIR/nexd" tunnel -i ${P}na -c $WORK/a.conf > $WORK/nexd-a.log 2>&1 &
NA=$!
ip netns exec $B "$NEXD_DIR/nexd" tunnel -i ${P}nb -c $WORK/b.conf > $WORK/nexd-b.log 2>&1 &
NB=$!
for i in $(seq 50); do [ -S /var/run/wireguard/${P}na.sock ] && [ -S /var/run/wireguard/${P}nb.sock ] && break; sleep 0.2; done
sleep 1
OURS=$(measure ours)
kill -TERM $NA $NB; wait $NA $NB 2>/dev/null || true

# --- wireguard-go on both ends ---
ip netns exec $A env WG_PROCESS_FOREGROUND=1 wireguard-go ${P}ga > $WORK/wggo-a.log 2>&1 &
ip netns exec $B env WG_PROCESS_FOREGROUND=1 wireguard-go ${P}gb > $WORK/wggo-b.log 2>&1 &
for i in $(seq 50); do [ -S /var/run/wireguard/${P}ga.sock ] && [ -S /var/run/wireguard/${P}gb.sock ] && break; sleep 0.2; done
echo "$KA" > $WORK/ka; echo "$KB" > $WORK/kb
ip netns exec $A wg set ${P}ga private-key $WORK/ka listen-port 51820 peer "$PB" allowed-ips 10.250.0.2/32 endpoint 192.168.250.2:51820
ip netns exec $B wg set ${P}gb private-key $WORK/kb listen-port 51820 peer "$PA" allowed-ips 10.250.0.1/32 endpoint 192.168.250.1:51820
ip -n $A addr add 10.250.0.1/24 dev ${P}ga; ip -n $B addr add 10.250.0.2/24 dev ${P}gb
ip -n $A link set ${P}ga mtu 1420 up; ip -n $B link set ${P}gb mtu 1420 up
THEIRS=$(measure wireguard-go)

python3 - "$OURS" "$THEIRS" <<'PY'
import sys
o = sys.argv[1].split(); t = sys.argv[2].split()
def r(a, b): return float(a) / float(b) if float(b) else float("nan")
print(f"{'':14}{'TCP 1 stream':>16}{'TCP 4 streams':>16}{'ping RTT':>12}")
print(f"{'ours':14}{o[1]+' Gbit/s':>16}{o[2]+' Gbit/s':>16}{o[3]+' ms':>12}")
print(f"{'wireguard-go':14}{t[1]+' Gbit/s':>16}{t[2]+' Gbit/s':>16}{t[3]+' ms':>12}")
print(f"{'ours/wg-go':14}{r(o[1],t[1]):>15.2f}x{r(o[2],t[2]):>15.2f}x{r(o[3],t[3]):>11.2f}x")
PY
