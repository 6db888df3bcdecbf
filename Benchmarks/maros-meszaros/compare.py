#!/usr/bin/env python3
"""Side-by-side Maros–Meszaros summary of SparseQP and OSQP runs made with the same settings.

Usage: compare.py SPARSEQP.json OSQP.json [--label TEXT]
SPARSEQP.json is written by `sparseqp maros-meszaros --json-out`, OSQP.json by
Benchmarks/peers/maros_meszaros.py --out. Both use the same verification rule (objective within
1e-6 relative of reference.csv and bound violation ≤ 1e-6·max(1, ‖Ax‖∞)) and the same shifted
geometric mean (shift 10 s, unverified problems charged the time limit).
"""
import json, math, sys

def load(path):
    d = json.load(open(path))
    return {p["name"]: p for p in d["problems"]}, d.get("summary", {})

def geomean(times, shift=10.0):
    return math.exp(sum(math.log(t + shift) for t in times) / len(times)) - shift

def main():
    ours, _ = load(sys.argv[1])
    theirs, osqp_summary = load(sys.argv[2])
    label = sys.argv[sys.argv.index("--label") + 1] if "--label" in sys.argv else ""
    names = sorted(set(ours) & set(theirs))
    limit = 100.0
    ov = [n for n in names if ours[n].get("verified")]
    tv = [n for n in names if theirs[n].get("verified")]
    ot = [ours[n]["run_time"] if ours[n].get("verified") else limit for n in names]
    tt = [theirs[n]["run_time"] if theirs[n].get("verified") else limit for n in names]
    print(f"| {label} | SparseQP | OSQP 1.1.3 |")
    print("|---|---|---|")
    print(f"| verified (of {len(names)}) | {len(ov)} | {len(tv)} |")
    print(f"| shifted geometric mean time (s) | {geomean(ot):.3f} | {geomean(tt):.3f} |")
    both = [n for n in names if ours[n].get("verified") and theirs[n].get("verified")]
    if both:
        ratios = sorted(theirs[n]["run_time"] / max(ours[n]["run_time"], 1e-9) for n in both)
        print(f"| median time ratio OSQP/SparseQP on problems both verify ({len(both)}) | {ratios[len(ratios)//2]:.2f} | |")
    only_ours = sorted(set(ov) - set(tv))
    only_theirs = sorted(set(tv) - set(ov))
    print()
    print(f"verified only by SparseQP ({len(only_ours)}): {', '.join(only_ours)}")
    print(f"verified only by OSQP ({len(only_theirs)}): {', '.join(only_theirs)}")
    print(f"verified by neither: {', '.join(sorted(set(names) - set(ov) - set(tv)))}")

if __name__ == "__main__":
    main()
