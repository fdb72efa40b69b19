#!/usr/bin/env bash
# Runs bench/server_bench against a fresh `corroborate serve` on 127.0.0.1 and stops the server
# afterwards; prints the load client's figures and the server's group-commit metrics.
#
#   bench/server_bench.sh [--build DIR] [SERVER OPTIONS...] -- [SERVER_BENCH OPTIONS...]
#   e.g. bench/server_bench.sh --no-builtin-rules -- --findings 300000 --resources 30000 --connections 32
#
# The server gets a throwaway SigV4 key, a temporary data directory (removed afterwards), no rate
# limit and no access log; everything else is as given or the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build
if [ "${1:-}" = "--build" ]; then BUILD=$2; shift 2; fi
SERVER_ARGS=()
while (($#)) && [ "$1" != "--" ]; do SERVER_ARGS+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
DIR=$(mktemp -d /tmp/corroborate-server-bench.XXXXXX)
KEY=AKIABENCHBENCHBENCH1
SECRET=$(head -c 30 /dev/urandom | base64 | tr -d '/+=' | head -c 40)
printf '[bench]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$KEY" "$SECRET" >"$DIR/keys"
"$BUILD/corroborate" --data-dir "$DIR/data" serve --port 0 --port-file "$DIR/port" \
  --credentials "$DIR/keys" --rate-limit 0 --no-access-log "${SERVER_ARGS[@]}" \
  >"$DIR/server.out" 2>"$DIR/server.log" &
SERVER=$!
trap 'kill -KILL $SERVER 2>/dev/null || true; rm -rf "$DIR"' EXIT
for _ in $(seq 200); do [ -s "$DIR/port" ] && break; sleep 0.05; done
PORT=$(cat "$DIR/port")
status=0
"$BUILD/bench/server_bench" --port "$PORT" --access-key "$KEY" --secret-key "$SECRET" "$@" || status=$?
python3 - "http://127.0.0.1:$PORT/metrics" <<'EOF'
import sys, urllib.request
text = urllib.request.urlopen(sys.argv[1], timeout=30).read().decode()
m = {l.rsplit(" ", 1)[0]: float(l.rsplit(" ", 1)[1]) for l in text.splitlines() if l and l[0] != "#"}
n = m.get("corroborate_group_commit_findings_count", 0)
if n:
    print(f"group commits: {n:.0f}, {m['corroborate_group_commit_findings_sum'] / n:.0f} findings each on "
          f"average, {m['corroborate_group_commit_duration_seconds_sum'] / n * 1000:.1f} ms each; "
          f"server RSS {m['process_resident_memory_bytes'] / 2**20:.0f} MB")
EOF
kill -TERM "$SERVER"
wait "$SERVER" || status=$?
exit "$status"
