#!/usr/bin/env bash
# Maros–Meszaros at 1e-6: SparseQP (default method and --method interior-point), PIQP and Clarabel one
# after the other in one run (issue 14's comparison), results in Benchmarks/results/*_mm_1e-6*.json.
#   bash Benchmarks/maros-meszaros/run-ip-peers.sh      (needs bash Benchmarks/peers/setup.sh and a release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${BIN:-.build/release/sparseqp}"
PY=Benchmarks/peers/.venv/bin/python
DATA="${DATA:-../shared/datasets/maros-meszaros}"
OUT=Benchmarks/results
lscpu | grep -m1 "Model name" || true
"$BIN" maros-meszaros "$DATA" --eps-abs 1e-6 --eps-rel 1e-6 --polish --time-limit 100 --json-out "$OUT/sparseqp_mm_1e-6.json" | tail -1
"$BIN" maros-meszaros "$DATA" --eps-abs 1e-6 --eps-rel 1e-6 --polish --time-limit 100 --method interior-point \
  --json-out "$OUT/sparseqp_mm_1e-6_ip.json" | tail -1
for s in piqp clarabel; do
  "$PY" Benchmarks/peers/maros_meszaros.py "$DATA" --solver "$s" --eps-abs 1e-6 --eps-rel 1e-6 --time-limit 100 \
    --out "$OUT/${s}_mm_1e-6.json" > /dev/null
  "$PY" -c "import json,sys; s=json.load(open(sys.argv[1]))['summary']; print(sys.argv[2], s['verified'], s['problems'], s['shifted_geomean_run_time'])" "$OUT/${s}_mm_1e-6.json" "$s"
done
