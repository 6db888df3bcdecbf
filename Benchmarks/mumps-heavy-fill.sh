#!/usr/bin/env bash
# The heavy-fill KKT matrix of issue 16 factorized by CHOLMOD simplicial LDLᵀ (K), CHOLMOD
# supernodal LLᵀ (reduced M), MUMPS multifrontal LDLᵀ (K) and the automatic choice, side by side
# with `sparseqp factor --json` (one process each, AMD ordering), plus the CPU model.
#
# K = [P+σI, Aᵀ; A, −diag(1/ρ)] of the generated QP eq-sparse n = 20 000 (m = 10 000 equality rows,
# seed 1), σ = 1e-6, ρ = 0.1, written by KKTBench --write-generated.
#
# Usage: Benchmarks/mumps-heavy-fill.sh [TIMEOUT_SECONDS (default 300)]
# Writes Benchmarks/results/mumps-heavy-fill.{json,md}.
set -euo pipefail
cd "$(dirname "$0")/.."
timeout_s=${1:-300}
scratch=.build-release
swift build -c release --scratch-path "$scratch" --product sparseqp >/dev/null
swift build -c release --scratch-path "$scratch" --product KKTBench >/dev/null
mtx=$(mktemp -d)/eq-sparse-20000-kkt.mtx
"$scratch/release/KKTBench" --write-generated eq-sparse 20000 1 "$mtx"
json=Benchmarks/results/mumps-heavy-fill.json
: > "$json"
for config in "cholmod kkt" "cholmod reduced" "mumps kkt" "auto kkt" "auto auto"; do
  set -- $config
  echo "factor --backend $1 --strategy $2 --ordering amd (timeout ${timeout_s} s)" >&2
  start=$(date +%s%N)
  if out=$(timeout "$timeout_s" "$scratch/release/sparseqp" factor "$mtx" --backend "$1" --strategy "$2" --ordering amd --json); then
    echo "{\"requested\": \"$1/$2\", \"wall_ms\": $(( ($(date +%s%N) - start) / 1000000 )), \"result\": $out}" >> "$json"
  else
    echo "{\"requested\": \"$1/$2\", \"wall_ms\": $(( ($(date +%s%N) - start) / 1000000 )), \"result\": null}" >> "$json"
  fi
done
rm -f "$mtx"
cpu=$(lscpu | sed -n 's/^Model name: *//p')
python3 - "$json" "$timeout_s" "$cpu" > Benchmarks/results/mumps-heavy-fill.md <<'PY'
import json, sys
path, timeout, cpu = sys.argv[1], sys.argv[2], sys.argv[3]
rows = [json.loads(line) for line in open(path) if line.strip()]
print("# Heavy-fill KKT: CHOLMOD simplicial vs CHOLMOD reduced vs MUMPS\n")
print(f"- CPU: {cpu} (`lscpu`), 2 cores; command: `Benchmarks/mumps-heavy-fill.sh {timeout}`")
print("- Matrix: K of `eq-sparse` n = 20 000, m = 10 000, seed 1 (σ = 1e-6, ρ = 0.1), dimension 30 000, AMD ordering.")
print("- Times in seconds (`sparseqp factor --json`); flops and nnz(L) as each engine predicts/stores them.\n")
print("| requested | backend/form | symbolic | numeric | solve | wall | nnz(L) | pred. flops | peak MiB | residual |")
print("|:--|:--|--:|--:|--:|--:|--:|--:|--:|--:|")
for r in rows:
    o = r["result"]
    if o is None:
        print(f"| {r['requested']} | – | – | not finished in {timeout} s | – | {r['wall_ms'] / 1000:.1f} | – | – | – | – |")
        continue
    t = o["times"]
    print(f"| {r['requested']} | {o['backend']}/{o['strategy']} | {t['symbolic']:.2f} | {t['numeric']:.2f} | {t['solve']:.3f} | {r['wall_ms'] / 1000:.1f} "
          f"| {o['nnz_l']} | {o['predicted_flops']:.3g} | {o['peak_memory_bytes'] / 2**20:.0f} | {o['relative_residual']:.2e} |")
PY
cat Benchmarks/results/mumps-heavy-fill.md
