#!/bin/bash
# The calibration of run.sh repeated REPEATS times (default 3) per method and ε, so that eval-median.py
# can compare medians (single runs on a shared 2-core machine flip the near ties). Writes
# repeated/<method>-<eps>-<k>.json. Then: python3 Benchmarks/method-choice/eval-median.py
set -euo pipefail
cd "$(dirname "$0")/../.."
B=.build/release/sparseqp
OUT=Benchmarks/method-choice/repeated
mkdir -p $OUT
source Benchmarks/method-choice/problems.sh
for k in $(seq 1 "${REPEATS:-3}"); do
  for eps in 1e-3 1e-6; do
    for m in admm interior-point; do
      $B bench $ARGS --problems-dir "${PROBLEMS_DIR:-/tmp/cal/problems}" --no-backward --no-stream \
        --method $m --eps-abs $eps --eps-rel $eps --json-out $OUT/$m-$eps-$k.json
    done
  done
done
