#!/bin/bash
# Runs the 28 calibration problems with --method admm and --method interior-point at ε = 1e-3 and
# 1e-6 (no backward pass), writing <method>-<eps>.json here. Then: python3 eval.py
set -euo pipefail
cd "$(dirname "$0")/../.."
B=.build/release/sparseqp
OUT=Benchmarks/method-choice
ARGS=""
for p in random:50 random:200 eq:50 eq:200 portfolio:5 portfolio:20 lasso:10 lasso:40 huber:10 huber:40 svm:10 svm:40 \
         control:10 control:40 random-sparse:200 random-sparse:1000 eq-sparse:200 eq-sparse:1000 control-sparse:1000 \
         control-sparse:6666 portfolio-sparse:10000 portfolio-sparse:100000 lasso-sparse:3333 lasso-sparse:33333 \
         huber-sparse:3333 huber-sparse:33333 svm-sparse:3333 svm-sparse:33333; do
  ARGS="$ARGS --problem $p"
done
for eps in 1e-3 1e-6; do
  for m in admm interior-point; do
    $B bench $ARGS --problems-dir "${PROBLEMS_DIR:-/tmp/sparseqp-method-choice}" --no-backward --no-stream \
      --method $m --eps-abs $eps --eps-rel $eps --json-out $OUT/$m-$eps.json
  done
done
