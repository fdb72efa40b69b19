#!/usr/bin/env bash
# Fuzzes every parser that takes outside input (fuzz/, docs/reliability.md) with libFuzzer under
# AddressSanitizer and UndefinedBehaviorSanitizer, FUZZ_SECONDS (default 20) per target.
#   FUZZ_SECONDS   time per target
#   FUZZ_TARGETS   which targets (default: all)
#   FUZZ_DIR       build directory (default build-fuzz); its corpus/ grows from run to run
#   FUZZ_JOBS      targets fuzzed at once (default: the number of cores)
# A crash, leak, timeout or out-of-memory fails the run; the input is left in FUZZ_DIR/artifacts/.
# Fix it, then add the input to fuzz/regressions/<target>/ so every test run replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
FUZZ_DIR=${FUZZ_DIR:-build-fuzz}
TARGETS=(${FUZZ_TARGETS:-fuzz_asff fuzz_filter fuzz_rules fuzz_sources fuzz_iot fuzz_batch_update fuzz_aws fuzz_lambda})

cmake -S . -B "$FUZZ_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DCORROBORATE_FUZZ=ON -DCORROBORATE_BUILD_TESTS=OFF -DCORROBORATE_BUILD_BENCH=OFF \
  -DCMAKE_UNITY_BUILD=ON >/dev/null
cmake --build "$FUZZ_DIR" -j2 --target "${TARGETS[@]}"

# Seeds: what the project's own examples and tests feed each parser, one document a file where
# the target takes one document.
seed() {
  local target=$1 dir="$FUZZ_DIR/corpus/$1"
  mkdir -p "$dir"
  case $target in
    fuzz_asff) python3 - "$dir" <<'PY'
import json, glob, sys, os
out, n = sys.argv[1], 0
def add(f):
    global n
    n += 1
    open(os.path.join(out, f"example-{n}.json"), "w").write(json.dumps(f))
for path in sorted(glob.glob("examples/*.json") + glob.glob("examples/*.ndjson")):
    text = open(path).read()
    try:
        docs = [json.loads(text)]
    except ValueError:
        docs = [json.loads(line) for line in text.splitlines() if line.strip()]
    for d in docs:
        items = d if isinstance(d, list) else d.get("Findings", [d]) if isinstance(d, dict) else []
        for item in items:
            if isinstance(item, dict) and "detail" in item:
                for f in item["detail"].get("findings", []): add(f)
            elif isinstance(item, dict) and "Records" not in item:
                add(item)
PY
      ;;
    fuzz_sources) cp examples/*.json examples/*.ndjson examples/bad/* "$dir"/ ;;
    fuzz_rules) cp rules/*.yaml "$dir"/ && for f in rules/tests/*.yaml; do cp "$f" "$dir/test-$(basename "$f")"; done ;;
    fuzz_iot) cp tests/iot/data/*.json "$dir"/ ;;
    *) cp fuzz/seeds/"$target"/* "$dir"/ ;;
  esac
  if [ -d fuzz/regressions/"$target" ]; then cp fuzz/regressions/"$target"/* "$dir"/; fi
}

# One target: its summary line on stdout, or why it failed on stderr (and a non-zero status).
fuzz_target() {
  local t=$1 log="$FUZZ_DIR/artifacts/$1.log" runs rate cov ft
  if ! "$FUZZ_DIR/fuzz/$t" "$FUZZ_DIR/corpus/$t" -max_total_time="$FUZZ_SECONDS" \
      -rss_limit_mb=2048 -timeout=10 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$FUZZ_DIR/artifacts/$t-" >"$log" 2>&1; then
    echo "$t: FAILED, see $log:" >&2
    grep -E "ERROR|SUMMARY|Test unit written" "$log" >&2 || tail -20 "$log" >&2
    return 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: //p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: //p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  printf '%-20s %12s %10s %8s %8s\n' "$t" "$runs" "$rate" "$cov" "$ft"
}

mkdir -p "$FUZZ_DIR/artifacts"
for t in "${TARGETS[@]}"; do seed "$t"; done
# FUZZ_JOBS targets at a time (default: one per core), each a single libFuzzer process.
jobs=${FUZZ_JOBS:-$(nproc)}
printf '%-20s %12s %10s %8s %8s\n' target executions exec/s cov ft
status=0
running=()
for t in "${TARGETS[@]}"; do
  fuzz_target "$t" >"$FUZZ_DIR/artifacts/$t.summary" 2>&1 &
  running+=("$!")
  if ((${#running[@]} >= jobs)); then
    wait "${running[0]}" || status=1
    running=("${running[@]:1}")
  fi
done
for pid in "${running[@]}"; do wait "$pid" || status=1; done
for t in "${TARGETS[@]}"; do cat "$FUZZ_DIR/artifacts/$t.summary"; done
exit $status
