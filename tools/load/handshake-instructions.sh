#!/usr/bin/env bash
# User-space instructions per login under a handshake load, counted by callgrind: a measure
# that a busy machine does not blur (CPU seconds do), for A/B comparisons of two builds:
#   tools/load/handshake-instructions.sh MIRAGE_BINARY|bare PORT [SECONDS]
# Runs the node (compare.py's settings, as handshake-threads.sh) or `mirage-load bare-server`
# under `valgrind --tool=callgrind`, drives `mirage-load handshake --concurrency 4` at it for
# SECONDS (default 10; about 100 logins a second under valgrind), and prints the instructions
# per login: (total - an unloaded run's total) / logins. The node's data directory (host keys,
# database) is made by a first, native start, so key generation is not counted. Kernel work
# (system calls, TCP) is not counted: read it beside handshake-threads.sh's CPU time.
# Keeps the profile as /tmp/handshake-instructions.<name>.out for callgrind_annotate.
set -euo pipefail
bin=$1; port=$2; seconds=${3:-10}
load=$(realpath "${MIRAGE_LOAD:-target/release/mirage-load}")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. "$(dirname "$0")/node.sh"
node() { start_node "$dir" "$port" "$@"; }
wait_port() {
  for _ in $(seq 1 300); do
    (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "nothing listens on $port" >&2
  exit 1
}
# One callgrind run with `logins` seconds of load (0: none); prints "LOGINS INSTRUCTIONS".
measure() {
  local load_seconds=$1 out=$2 pid logins=0
  if [ "$bin" = bare ]; then
    valgrind --tool=callgrind --callgrind-out-file="$out" "$load" bare-server \
      --listen "127.0.0.1:$port" > "$dir/node.log" 2>&1 &
  else
    rm -rf "$dir/mirage.db" "$dir/mirage.db-wal" "$dir/mirage.db-shm" "$dir/spool" "$dir/log"
    node valgrind --tool=callgrind --callgrind-out-file="$out" "$(realpath "$bin")" run
  fi
  pid=$!
  wait_port
  sleep 2
  if [ "$load_seconds" -gt 0 ]; then
    logins=$("$load" handshake --json --target "127.0.0.1:$port" --password hunter2 \
      --duration "$load_seconds" --concurrency 4 --timeout 60 \
      | python3 -c 'import json, sys; print(json.load(sys.stdin)["handshakes"])')
  fi
  sleep 3
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  echo "$logins $(awk '/^summary:/ {print $2}' "$out")"
}
if [ "$bin" != bare ]; then
  # Host keys, host profile and migrations, made natively.
  node "$(realpath "$bin")" run
  pid=$!
  wait_port
  kill "$pid"
  wait "$pid" 2>/dev/null || true
fi
read -r _ idle < <(measure 0 "$dir/idle.out")
read -r logins total < <(measure "$seconds" "$dir/load.out")
name=$(basename "$bin")
cp "$dir/load.out" "/tmp/handshake-instructions.$name.out"
python3 -c "
logins, total, idle = $logins, $total, $idle
print(f'logins {logins}: {(total - idle) / logins / 1e6:.3f} M instructions per login '
      f'(total {total / 1e6:.0f} M, unloaded run {idle / 1e6:.0f} M)')"
