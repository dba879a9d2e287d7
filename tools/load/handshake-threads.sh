#!/usr/bin/env bash
# Node CPU per login, by thread, under a handshake load, for A/B comparisons of two builds:
#   tools/load/handshake-threads.sh MIRAGE_BINARY|bare PORT [SECONDS]
# Starts `MIRAGE_BINARY run` (or `mirage-load bare-server` for `bare`) on 127.0.0.1:PORT in a
# temporary data directory with compare.py's settings (reflexes off, no models, Layer 3 off, no
# session caps), runs `mirage-load handshake --concurrency 4` against it (MIRAGE_LOAD, default
# target/release/mirage-load) while `perf stat --per-thread` counts task-clock, context switches
# and write/pwrite64 system calls of the node, and prints them per login. Needs perf.
# With MODE=interactive it runs `mirage-load interactive --sessions 20` instead and prints the
# same per shell command.
# Pick PORT below the kernel's ephemeral range (see ab-interactive.sh); PORT+1 and PORT+2 are
# used too.
set -euo pipefail
bin=$1; port=$2; seconds=${3:-5}
load=$(realpath "${MIRAGE_LOAD:-target/release/mirage-load}")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
if [ "$bin" = bare ]; then
  "$load" bare-server --listen "127.0.0.1:$port" > "$dir/node.log" 2>&1 &
else
  . "$(dirname "$0")/node.sh"
  start_node "$dir" "$port" "$(realpath "$bin")" run
fi
pid=$!
for _ in $(seq 1 100); do
  (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.2
done
sleep 1
perf stat --per-thread -p "$pid" -o "$dir/stat.txt" \
  -e task-clock,context-switches,syscalls:sys_enter_write,syscalls:sys_enter_pwrite64 \
  -- sleep "$((seconds + 1))" &
stat=$!
sleep 0.3
if [ "${MODE:-handshake}" = interactive ]; then
  unit=command
  logins=$("$load" interactive --json --target "127.0.0.1:$port" --password hunter2 \
    --duration "$seconds" --sessions 20 \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["commands"])')
else
  unit=login
  logins=$("$load" handshake --json --target "127.0.0.1:$port" --password hunter2 \
    --duration "$seconds" --concurrency 4 \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["handshakes"])')
fi
wait "$stat"
kill "$pid"
wait "$pid" 2>/dev/null || true
python3 - "$dir/stat.txt" "$logins" "$unit" <<'PY'
import collections, re, sys
logins, unit = int(sys.argv[2]), sys.argv[3]
threads = collections.defaultdict(lambda: collections.defaultdict(float))
for line in open(sys.argv[1]):
    m = re.match(r"\s*(.+?)-(\d+)\s+([\d,.]+)\s+(msec task-clock|context-switches|syscalls:\S+)", line)
    if m:
        threads[m.group(1).strip()][m.group(4)] += float(m.group(3).replace(",", ""))
total = sum(t["msec task-clock"] for t in threads.values())
print(f"{unit}s {logins}: {total * 1000 / logins:.0f} us of node CPU per {unit} "
      f"({logins / (total / 1000):.0f} per CPU-s)")
for name, t in sorted(threads.items(), key=lambda kv: -kv[1]["msec task-clock"]):
    if t["msec task-clock"] >= 1:
        print(f"  {name:18s} {t['msec task-clock'] * 1000 / logins:6.0f} us"
              f"  context switches {t['context-switches'] / logins:5.2f}"
              f"  write {t['syscalls:sys_enter_write'] / logins:5.2f}"
              f"  pwrite64 {t['syscalls:sys_enter_pwrite64'] / logins:5.2f}")
PY
