#!/usr/bin/env bash
# The benchmark suite side by side: SparseQP (sparseqp bench) and the peers (OSQP, Clarabel, PIQP;
# qpth, cvxpylayers, OSQP adjoint at small sizes) on the same generated problem files, then the
# performance profiles, time-vs-size plots and tables (Benchmarks/peers/profiles.py).
#
#   bash Benchmarks/run-suite.sh                 # grid (below), ε = 1e-3, results in Benchmarks/results/suite*
#   EPS=1e-6 NAME=suite-1e-6 bash Benchmarks/run-suite.sh
#   SCALE=1 NAME=scale TIME_LIMIT=900 bash Benchmarks/run-suite.sh   # the three 10⁶-variable instances (OSQP only)
#
# Needs the peers' venv: bash Benchmarks/peers/setup.sh --torch
set -euo pipefail
cd "$(dirname "$0")/.."
EPS="${EPS:-1e-3}"
NAME="${NAME:-suite}"
PROBLEMS="${PROBLEMS:-/tmp/sparseqp-suite-problems}"
TIME_LIMIT="${TIME_LIMIT:-120}"
OUT=Benchmarks/results
PY=Benchmarks/peers/.venv/bin/python
mkdir -p "$PROBLEMS" "$OUT"

if [ -z "${BIN:-}" ]; then   # BIN=path/to/sparseqp skips the build
  scripts/setup
  swift build -c release --product sparseqp
  BIN=.build/release/sparseqp
fi

if [ "${SCALE:-0}" = 1 ]; then
  GRID=(--problem control-sparse:66666 --problem portfolio-sparse:1000000 --problem lasso-sparse:333334)
  LAYERS=()
  SOLVERS=osqp
else
  # Dense OSQP benchmark classes at small sizes, sparse scaling variants from 10³ to 10⁵ variables.
  GRID=(
    --classes random,eq --sizes 50,100,200
    --classes portfolio --sizes 5,10,20
    --classes lasso,huber,svm --sizes 10,20,40
    --classes control --sizes 10,20,40
    --classes random-sparse,eq-sparse --sizes 100,1000
    --classes control-sparse --sizes 66,666,6666
    --classes portfolio-sparse --sizes 1000,10000,100000
    --classes lasso-sparse,huber-sparse,svm-sparse --sizes 333,3333,33333
  )
  LAYERS=(--layers qpth,cvxpylayers,osqp_adjoint --layers-max-n 1000)
  SOLVERS=osqp,clarabel,piqp
fi

"$BIN" bench "${GRID[@]}" --problems-dir "$PROBLEMS" --eps-abs "$EPS" --eps-rel "$EPS" \
  --time-limit "$TIME_LIMIT" --json-out "$OUT/$NAME-sparseqp.json" --markdown-out "$OUT/$NAME-sparseqp.md"

FILES=$("$PY" -c 'import json,sys; print(" ".join(p["file"] or "" for p in json.load(open(sys.argv[1]))["problems"]))' "$OUT/$NAME-sparseqp.json")
"$PY" Benchmarks/peers/suite.py $FILES --solvers "$SOLVERS" ${LAYERS[@]+"${LAYERS[@]}"} \
  --eps-abs "$EPS" --eps-rel "$EPS" --time-limit "$TIME_LIMIT" --out "$OUT/$NAME-peers.json"

"$PY" Benchmarks/peers/profiles.py --sparseqp "$OUT/$NAME-sparseqp.json" --peers "$OUT/$NAME-peers.json" \
  --out-dir "$OUT" --name "$NAME"
