#!/usr/bin/env bash
# The main job on the bundled examples: set up, build, ingest examples/ into an embedded store with
# the built-in correlation rules, and print the incidents found with their evidence. The store lives
# in .corroborate-demo/ (delete it to start over).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
DATA_DIR=${DATA_DIR:-.corroborate-demo}
BIN=build/corroborate
# The examples happened on 2026-11-20; rules look back 30 days from "now". Evaluating as of just
# after them keeps the demo telling the same story whatever the date.
export CORROBORATE_NOW=${CORROBORATE_NOW:-2026-11-23T00:00:00Z}
# A dashboard left running by an earlier run holds the store: stop it first.
if [ -f "$DATA_DIR/dashboard.pid" ]; then
  kill "$(cat "$DATA_DIR/dashboard.pid")" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$(cat "$DATA_DIR/dashboard.pid")" 2>/dev/null || break; sleep 0.1; done
  rm -f "$DATA_DIR/dashboard.pid"
fi
echo
echo "== ingest examples/ into $DATA_DIR (correlating with the built-in rules)"
"$BIN" --data-dir "$DATA_DIR" ingest examples/
echo
echo "== what is stored"
"$BIN" --data-dir "$DATA_DIR" stats
echo
echo "== incidents (correlated findings), as Security Hub would list them"
"$BIN" --data-dir "$DATA_DIR" findings \
  --filters '{"ProductName":[{"Value":"Corroborate","Comparison":"EQUALS"}],
              "RecordState":[{"Value":"ACTIVE","Comparison":"EQUALS"}]}'
echo
echo "== why the exposed bastion is an incident"
"$BIN" --data-dir "$DATA_DIR" explain --resource i-0f9e8d7c6b5a40312 --rule ec2-exposed-under-attack
echo
echo "== inventory: an open group that only the EC2 API attaches to an attacked instance (examples/inventory/)"
"$BIN" --data-dir "$DATA_DIR" ingest -q examples/inventory/web-tier-findings.ndjson
"$BIN" --data-dir "$DATA_DIR" inventory import examples/inventory/ec2-describe-instances.json
echo
if [ "${NO_DASHBOARD:-0}" = 1 ]; then
  exit 0
fi
echo "== the dashboard: corroborate serve on 127.0.0.1, in the background"
# A bearer token of its own (the page asks for it, or takes it once from the URL and forgets it).
TOKENS="$DATA_DIR/dashboard-tokens"
if [ ! -s "$TOKENS" ]; then
  (umask 077 && echo "demo $(openssl rand -hex 16)" >"$TOKENS")
fi
TOKEN=$(awk '{print $2; exit}' "$TOKENS")
rm -f "$DATA_DIR/dashboard.port"
start_dashboard() {
  nohup "$BIN" --data-dir "$DATA_DIR" serve --port "$1" --port-file "$DATA_DIR/dashboard.port" \
    --bearer-tokens "$TOKENS" >"$DATA_DIR/dashboard.log" 2>&1 </dev/null &
  echo $! >"$DATA_DIR/dashboard.pid"
  for _ in $(seq 100); do
    [ -s "$DATA_DIR/dashboard.port" ] && return 0
    kill -0 "$(cat "$DATA_DIR/dashboard.pid")" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
start_dashboard "${DASHBOARD_PORT:-8080}" || start_dashboard 0 || {
  echo "the dashboard did not start; see $DATA_DIR/dashboard.log" >&2
  exit 1
}
PORT=$(cat "$DATA_DIR/dashboard.port")
echo "Open http://127.0.0.1:$PORT/?token=$TOKEN#/incidents"
echo "(it runs until: kill \$(cat $DATA_DIR/dashboard.pid); NO_DASHBOARD=1 skips it)"
