#!/bin/bash
# The calibration of run.sh repeated REPEATS times (default 3) per method and ε, so that eval-median.py
# can compare medians (single runs on a shared 2-core machine flip the near ties). Writes
# repeated/<method>-<eps>-<k>.json. Then: python3 Benchmarks/method-choice/eval-median.py
set -euo pipefail
cd "$(dirname "$0")/../.."
B=.build/release/sparseqp
OUT=Benchmarks/method-choice/repeated
mkdir -p $OUT
ARGS=""
for p in random:50 random:200 eq:50 eq:200 portfolio:5 portfolio:20 lasso:10 lasso:40 huber:10 huber:40 svm:10 svm:40 \
         control:10 control:40 random-sparse:200 random-sparse:1000 eq-sparse:200 eq-sparse:1000 control-sparse:1000 \
         control-sparse:6666 portfolio-sparse:10000 portfolio-sparse:100000 lasso-sparse:3333 lasso-sparse:33333 \
         huber-sparse:3333 huber-sparse:33333 svm-sparse:3333 svm-sparse:33333; do
  ARGS="$ARGS --problem $p"
done
for k in $(seq 1 "${REPEATS:-3}"); do
  for eps in 1e-3 1e-6; do
    for m in admm interior-point; do
      $B bench $ARGS --problems-dir "${PROBLEMS_DIR:-/tmp/cal/problems}" --no-backward --no-stream \
        --method $m --eps-abs $eps --eps-rel $eps --json-out $OUT/$m-$eps-$k.json
    done
  done
done
