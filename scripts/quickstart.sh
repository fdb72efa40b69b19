#!/usr/bin/env bash
# The main job on the bundled examples: set up, build, ingest examples/ into an embedded store and
# print what is there. The store lives in .corroborate-demo/ (delete it to start over).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
DATA_DIR=${DATA_DIR:-.corroborate-demo}
BIN=build/corroborate
echo
echo "== ingest examples/ into $DATA_DIR"
"$BIN" --data-dir "$DATA_DIR" ingest examples/
echo
echo "== what is stored"
"$BIN" --data-dir "$DATA_DIR" stats
echo
echo "== active CRITICAL and HIGH findings, most severe first"
"$BIN" --data-dir "$DATA_DIR" findings --max 20 --sort SeverityNormalized:desc,UpdatedAt:desc \
  --filters '{"RecordState":[{"Value":"ACTIVE","Comparison":"EQUALS"}],
              "SeverityLabel":[{"Value":"CRITICAL","Comparison":"EQUALS"},{"Value":"HIGH","Comparison":"EQUALS"}]}'
