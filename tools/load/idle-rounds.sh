#!/usr/bin/env bash
# Memory a node keeps after its sessions close, and whether it grows from round to round:
#   tools/load/idle-rounds.sh MIRAGE_BINARY PORT [SESSIONS] [ROUNDS]
# Starts the node (compare.py's settings) and, ROUNDS times (default 6), opens SESSIONS
# (default 3000) idle shells with `mirage-load idle`, holds them for a second, closes them, and
# prints the node's VmRSS and RssAnon 5 and 20 s after the close. A leak grows round after round;
# allocator retention stays at the first round's high-water mark.
set -euo pipefail
bin=$(realpath "$1"); port=$2; sessions=${3:-3000}; rounds=${4:-6}
load=$(realpath "${MIRAGE_LOAD:-target/release/mirage-load}")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
. "$(dirname "$0")/node.sh"
start_node "$dir" "$port" "$bin" run
pid=$!
for _ in $(seq 1 100); do
  (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.2
done
sleep 1
memory() { grep -E "^(VmRSS|RssAnon)" "/proc/$pid/status" | tr -s ' \t' ' ' | tr '\n' ' '; }
echo "start: $(memory)"
for round in $(seq 1 "$rounds"); do
  "$load" idle --target "127.0.0.1:$port" --server-pid "$pid" --sessions "$sessions" \
    --hold 1 --settle 2 | grep -E "^sessions" || true
  sleep 5
  echo "round $round closed, 5 s later: $(memory)"
  sleep 15
  echo "round $round closed, 20 s later: $(memory)"
done
kill "$pid"
wait "$pid" 2>/dev/null || true
