#!/usr/bin/env bash
# One interactive load run against a fresh Mirage node, for A/B comparisons of two builds:
#   tools/load/ab-interactive.sh MIRAGE_BINARY PORT [VAR=value ...]
# Starts `MIRAGE_BINARY run` on 127.0.0.1:PORT in a temporary data directory with compare.py's
# settings (reflexes off, no models, no session caps) plus the given environment, runs
# `mirage-load interactive --sessions 20 --duration 10` against it (MIRAGE_LOAD, default
# target/release/mirage-load), prints the CPU and latency lines, and stops the node.
# Alternate two binaries round by round, e.g.:
#   for r in 1 2 3; do tools/load/ab-interactive.sh /tmp/old 22301; \
#     tools/load/ab-interactive.sh target/release/mirage 22302 MIRAGE_STRATEGY_MODE=off; done
# Pick PORT below the kernel's ephemeral range (/proc/sys/net/ipv4/ip_local_port_range, usually
# 32768-60999): after a load run, the load tool's own closing sockets can hold a port in that
# range, and the next node then fails with "Address already in use".
set -euo pipefail
bin=$(realpath "$1"); port=$2; shift 2
load=$(realpath "${MIRAGE_LOAD:-target/release/mirage-load}")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
env -i PATH=/usr/bin:/bin HOME="$dir" MIRAGE_DATA_DIR="$dir" \
  MIRAGE_SSH_LISTEN="127.0.0.1:$port" MIRAGE_HTTP_LISTEN=127.0.0.1:0 MIRAGE_ADMIN_LISTEN=127.0.0.1:0 \
  MIRAGE_REFLEX_ENABLED=false MIRAGE_MODELS_DIR=/nonexistent \
  MIRAGE_SSH_MAX_SESSIONS=0 MIRAGE_SSH_MAX_SESSIONS_PER_IP=0 "$@" \
  "$bin" run > "$dir/node.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  grep -q 'Listener up. protocol="ssh"' "$dir/node.log" 2>/dev/null && break
  sleep 0.2
done
"$load" interactive --target "127.0.0.1:$port" --password hunter2 --sessions 20 --duration 10 \
  --server-pid "$pid" 2>&1 | grep -E "per server-CPU|latency" || true
kill "$pid"; wait "$pid" 2>/dev/null || true
