#!/bin/bash
# Runs the 28 calibration problems with --method admm and --method interior-point at ε = 1e-3 and
# 1e-6 (no backward pass), writing <method>-<eps>.json here. Then: python3 eval.py
set -euo pipefail
cd "$(dirname "$0")/../.."
B=.build/release/sparseqp
OUT=Benchmarks/method-choice
source Benchmarks/method-choice/problems.sh
for eps in 1e-3 1e-6; do
  for m in admm interior-point; do
    $B bench $ARGS --problems-dir "${PROBLEMS_DIR:-/tmp/sparseqp-method-choice}" --no-backward --no-stream \
      --method $m --eps-abs $eps --eps-rel $eps --json-out $OUT/$m-$eps.json
  done
done
