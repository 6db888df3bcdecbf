#!/usr/bin/env bash
# Issue 13's comparison: the 14 largest problems of the benchmark grid, SparseQP (`sparseqp bench`,
# forward only) against OSQP, Clarabel and PIQP both as shipped and with the flush-to-zero shim
# (suite.py --flush-to-zero both), side by side in one run; table and geometric means from
# Benchmarks/peers/ratios.py into Benchmarks/results/$NAME.md.
#
#   bash Benchmarks/run-largest.sh            # ε = 1e-3
#   EPS=1e-6 bash Benchmarks/run-largest.sh
#
# Needs the peers' venv (bash Benchmarks/peers/setup.sh) and a release build (BIN=... to choose).
set -euo pipefail
cd "$(dirname "$0")/.."
EPS="${EPS:-1e-3}"
NAME="${NAME:-largest-$EPS}"
PROBLEMS="${PROBLEMS:-/tmp/sparseqp-suite-problems}"
BIN="${BIN:-.build/release/sparseqp}"
PY=Benchmarks/peers/.venv/bin/python
OUT=Benchmarks/results
mkdir -p "$PROBLEMS" "$OUT"
GRID=()
for p in random:200 eq:200 portfolio:20 lasso:40 huber:40 svm:40 control:40 random-sparse:1000 eq-sparse:1000 \
         control-sparse:6666 portfolio-sparse:100000 lasso-sparse:33333 huber-sparse:33333 svm-sparse:33333; do
  GRID+=(--problem "$p")
done
"$BIN" bench "${GRID[@]}" --problems-dir "$PROBLEMS" --no-backward --eps-abs "$EPS" --eps-rel "$EPS" \
  --json-out "$OUT/$NAME-sparseqp.json"
FILES=$("$PY" -c 'import json,sys; print(" ".join(p["file"] for p in json.load(open(sys.argv[1]))["problems"]))' "$OUT/$NAME-sparseqp.json")
# shellcheck disable=SC2086
"$PY" Benchmarks/peers/suite.py $FILES --solvers osqp,clarabel,piqp --flush-to-zero both \
  --eps-abs "$EPS" --eps-rel "$EPS" --out "$OUT/$NAME-peers.json"
"$PY" Benchmarks/peers/ratios.py "$OUT/$NAME-sparseqp.json" "$OUT/$NAME-peers.json" --markdown "$OUT/$NAME.md"
