#!/usr/bin/env bash
# Soak test of `corroborate serve`: steady load for a while, the server's resident memory sampled
# every 10 s, figures at the end. Memory should level off (RocksDB's write buffers and block cache
# fill to their bounds, then stay), not keep growing.
#
#   bench/soak.sh [--seconds 600] [--rate 2000] [--working-set 20000] [--build build] [--out DIR]
#                 [-- SERVER OPTIONS...]
#
# The load (bench/server_bench, a second process on 127.0.0.1) re-imports newer revisions of a
# working set of findings at --rate findings/s, with GetFindings alongside, so the store's size
# stays level and any growth is the server's own. The server runs with its defaults (the built-in
# correlation rules, history, metrics), authenticating SigV4 with a throwaway key. Writes
# rss.csv (seconds, RSS in KB) and soak.log to --out (default a temporary directory) and prints a
# summary; exit status 1 when a request failed or the server did not stop cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TOTAL=600
RATE=2000
WORKING_SET=20000
BUILD=build
OUT=""
while (($#)); do
  case "$1" in
    --seconds) SECONDS_TOTAL=$2; shift 2 ;;
    --rate) RATE=$2; shift 2 ;;
    --working-set) WORKING_SET=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [--seconds N] [--rate N] [--working-set N] [--build DIR] [--out DIR]" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-$(mktemp -d /tmp/corroborate-soak.XXXXXX)}
mkdir -p "$OUT"
DATA="$OUT/data"
rm -rf "$DATA" "$OUT/port"
KEY=AKIASOAKSOAKSOAKSOAK
SECRET=$(head -c 30 /dev/urandom | base64 | tr -d '/+=' | head -c 40)
printf '[soak]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$KEY" "$SECRET" > "$OUT/credentials"
chmod 600 "$OUT/credentials"

"$BUILD/corroborate" --data-dir "$DATA" serve --port 0 --port-file "$OUT/port" \
  --credentials "$OUT/credentials" --rate-limit 0 --no-access-log --stats-interval 10 "$@" \
  >"$OUT/server.out" 2>"$OUT/server.log" &
SERVER=$!
cleanup() { kill -KILL "$SERVER" 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 200); do [ -s "$OUT/port" ] && break; sleep 0.05; done
PORT=$(cat "$OUT/port")

"$BUILD/bench/server_bench" --port "$PORT" --access-key "$KEY" --secret-key "$SECRET" \
  --duration "$SECONDS_TOTAL" --rate "$RATE" --working-set "$WORKING_SET" --connections 4 \
  --query-threads 1 --resources 2000 >"$OUT/soak.log" 2>&1 &
LOAD=$!

heap_kb() {
  python3 -c "
import sys, urllib.request
text = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode()
print(next((int(float(l.split()[1]) / 1024) for l in text.splitlines()
            if l.startswith('corroborate_heap_allocated_bytes ')), 0))" "http://127.0.0.1:$PORT/metrics" 2>/dev/null || echo 0
}
echo "seconds,rss_kb,heap_kb" >"$OUT/rss.csv"
start=$(date +%s)
while kill -0 "$LOAD" 2>/dev/null; do
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVER/status" 2>/dev/null || echo 0)
  echo "$(($(date +%s) - start)),$rss,$(heap_kb)" >>"$OUT/rss.csv"
  sleep 10
done
load_status=0
wait "$LOAD" || load_status=$?
metrics=$(python3 -c "import urllib.request,sys; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())" "http://127.0.0.1:$PORT/metrics" || true)
kill -TERM "$SERVER"
server_status=0
wait "$SERVER" || server_status=$?
trap - EXIT

python3 - "$OUT/rss.csv" <<'EOF'
import csv, sys
table = [r for r in csv.DictReader(open(sys.argv[1])) if int(r["rss_kb"])]
rows = [(int(r["seconds"]), int(r["rss_kb"])) for r in table]
heap = [(int(r["seconds"]), int(r["heap_kb"])) for r in table if int(r["heap_kb"])]
if not rows:
    sys.exit("no RSS samples")
mb = lambda kb: kb / 1024
half = rows[len(rows) // 2][1]
first_minute = next((kb for s, kb in rows if s >= 60), rows[-1][1])
print(f"RSS: after 10 s {mb(rows[min(1, len(rows) - 1)][1]):.0f} MB, after 1 min {mb(first_minute):.0f} MB, "
      f"at half time {mb(half):.0f} MB, at the end {mb(rows[-1][1]):.0f} MB, "
      f"max {mb(max(kb for _, kb in rows)):.0f} MB ({len(rows)} samples)")
print(f"second half growth: {mb(rows[-1][1] - half):+.0f} MB ({(rows[-1][1] - half) / half * 100:+.1f}%)")
if heap:
    h_half = heap[len(heap) // 2][1]
    print(f"heap in use (jemalloc): at half time {mb(h_half):.0f} MB, at the end {mb(heap[-1][1]):.0f} MB, "
          f"max {mb(max(kb for _, kb in heap)):.0f} MB; second half growth {mb(heap[-1][1] - h_half):+.0f} MB")
EOF
tail -1 "$OUT/soak.log"
echo "$metrics" | grep -E '^corroborate_(findings_ingested_total|store_findings|throttled)' || true
echo "figures in $OUT (rss.csv, soak.log, server.log)"
if [ "$load_status" != 0 ] || [ "$server_status" != 0 ]; then
  echo "soak: load exit $load_status, server exit $server_status" >&2
  exit 1
fi
