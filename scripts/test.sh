#!/usr/bin/env bash
# The whole test suite: set up and build as scripts/setup.sh does, then
#   1. the GoogleTest suite via CTest on the regular build (warnings are errors),
#   2. the same suite built with AddressSanitizer + UndefinedBehaviorSanitizer,
#   3. libFuzzer on every parser of outside input, FUZZ_SECONDS (default 20) per target (fuzz/),
#   4. clang-format (no diff allowed) on every source file, and clang-tidy (warnings are errors) on
#      src/, bench/ and fuzz/ (tests/ is left out for CI's time: some five more minutes).
# SKIP_SANITIZERS=1, SKIP_FUZZ=1 or SKIP_LINT=1 leave a stage out for a quick local run; CI runs
# everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== unit and integration tests (build/)"
ctest --test-dir build --output-on-failure -j2

if [ "${SKIP_SANITIZERS:-0}" != 1 ]; then
  echo "== the same tests under ASan + UBSan (build-asan/)"
  # A unity build (each library one translation unit): half the compile time. The regular build
  # stays file by file, because the unity build's code ran ingest about 4% slower.
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCORROBORATE_WERROR=ON \
    -DCORROBORATE_SANITIZE=ON -DCORROBORATE_BUILD_BENCH=OFF -DCMAKE_UNITY_BUILD=ON >/dev/null
  cmake --build build-asan -j2
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j2
fi

if [ "${SKIP_FUZZ:-0}" != 1 ]; then
  echo "== fuzzing every outside-input parser, ${FUZZ_SECONDS:-20} s each (build-fuzz/)"
  FUZZ_SECONDS=${FUZZ_SECONDS:-20} bash scripts/fuzz.sh
fi

if [ "${SKIP_LINT:-0}" != 1 ]; then
  echo "== clang-format"
  mapfile -t sources < <(git ls-files '*.cc' '*.h' 2>/dev/null || find src tests bench -name '*.cc' -o -name '*.h')
  clang-format --dry-run -Werror "${sources[@]}"
  echo "== clang-tidy"
  mapfile -t tidy_sources < <(git ls-files 'src/*.cc' 'bench/*.cc' 'fuzz/*.cc' 2>/dev/null ||
    find src bench fuzz -name '*.cc')
  printf '%s\n' "${tidy_sources[@]}" | xargs -P2 -n4 clang-tidy -p build --quiet 2>/dev/null
fi
echo "== all tests passed"
