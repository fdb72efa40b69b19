#!/usr/bin/env bash
# Every reliability check of docs/reliability.md in its long form, one after another, each
# printing its figures: fuzzing (FUZZ_SECONDS per target, default 300), the hostile-input and
# fault-injection suites, the SIGKILL tests of ingest, serve and push (KILLS, default 300, and
# SERVER_KILLS, default 100), and the soak of the server (SOAK_SECONDS, default 600). CI runs the
# short forms on every change (scripts/test.sh); this is for before a release, or after changing
# the store, the server or the AWS edge. About 75 minutes with the defaults on 2 cores.
#   BUILD_DIR      build directory (default: build; built by scripts/setup.sh when missing)
#   FUZZ_SECONDS, KILLS, SERVER_KILLS, SOAK_SECONDS   as above
# Exit status: 0 when everything passed; the first failure stops the run and says which.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
FUZZ_SECONDS=${FUZZ_SECONDS:-300}
KILLS=${KILLS:-300}
SERVER_KILLS=${SERVER_KILLS:-100}
SOAK_SECONDS=${SOAK_SECONDS:-600}
if [ ! -x "$BUILD_DIR/corroborate" ] || [ ! -x "$BUILD_DIR/bench/gen_corpus" ]; then
  BUILD_DIR=$BUILD_DIR bash scripts/setup.sh
fi
cmake --build "$BUILD_DIR" -j2 >/dev/null
BIN=$BUILD_DIR/corroborate
step() { echo; echo "== $*"; }

step "fuzzing every outside-input parser, $FUZZ_SECONDS s each"
FUZZ_SECONDS=$FUZZ_SECONDS bash scripts/fuzz.sh

step "hostile input (CLI and server) and fault injection (push, IoT pull), with regressions replayed"
(cd "$BUILD_DIR" && ctest --output-on-failure -j2 \
  -R '^(fuzz_replay\..*|.*Hostile.*|server_py\.hostile|sinks_py\.push|cli_py\.iot_pull)$')

step "ingest killed with SIGKILL $KILLS times"
python3 tests/reliability/kill_test.py --binary "$BIN" --gen-corpus "$BUILD_DIR/bench/gen_corpus" \
  --kills "$KILLS"

step "serve killed with SIGKILL $SERVER_KILLS times under concurrent imports"
python3 tests/reliability/server_kill_test.py --binary "$BIN" \
  --gen-corpus "$BUILD_DIR/bench/gen_corpus" --kills "$SERVER_KILLS"

step "push killed with SIGKILL $KILLS times (the Security Hub sink's outbox)"
python3 tests/reliability/push_kill_test.py --binary "$BIN" --kills "$KILLS"

step "soak: serve under mixed load for $SOAK_SECONDS s"
bash bench/soak.sh --seconds "$SOAK_SECONDS" --build "$BUILD_DIR"

step "all reliability checks passed"
