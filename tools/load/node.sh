# Sourced by the load scripts: starts a Mirage node the way compare.py measures it.
#   start_node DIR PORT COMMAND...   (COMMAND: the binary and `run`, maybe behind valgrind)
# Runs COMMAND in the background with a clean environment: data in DIR, SSH on 127.0.0.1:PORT,
# HTTP and admin on PORT+1 and PORT+2, reflexes off, no models, Layer 3 off, no session caps;
# its output goes to DIR/node.log. `$!` is its process id afterwards.
start_node() {
  local dir=$1 port=$2
  shift 2
  env -i PATH=/usr/bin:/bin HOME="$dir" MIRAGE_DATA_DIR="$dir" \
    MIRAGE_SSH_LISTEN="127.0.0.1:$port" MIRAGE_HTTP_LISTEN="127.0.0.1:$((port + 1))" \
    MIRAGE_ADMIN_LISTEN="127.0.0.1:$((port + 2))" MIRAGE_REFLEX_ENABLED=false \
    MIRAGE_MODELS_DIR=/nonexistent MIRAGE_STRATEGY_MODE=off \
    MIRAGE_SSH_MAX_SESSIONS=0 MIRAGE_SSH_MAX_SESSIONS_PER_IP=0 \
    "$@" > "$dir/node.log" 2>&1 &
}
