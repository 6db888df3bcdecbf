#!/usr/bin/env python3
"""Peer time / SparseQP time per problem and the geometric mean per peer (issue 13's table).

Usage: ratios.py SPARSEQP_BENCH.json PEERS.json [--markdown OUT.md]

SPARSEQP_BENCH.json is `sparseqp bench --json-out`, PEERS.json is `suite.py --out` (with
--flush-to-zero both the shimmed runs are the solvers named SOLVER+ftz). Problems are matched by
file name. A ratio below 1 means the peer is faster. A problem counts only where SparseQP solved and
verified and the peer's result verified (residuals recomputed by suite.py); the others are listed
with their statuses.
"""
import argparse, json, math, os, sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sparseqp")
    ap.add_argument("peers")
    ap.add_argument("--markdown")
    a = ap.parse_args()
    ours = {os.path.basename(p["file"] or p["problem"]): p for p in json.load(open(a.sparseqp))["problems"]}
    peers = json.load(open(a.peers))
    solvers = sorted({r["solver"] for r in peers["results"] if r.get("kind", "forward") == "forward"})
    table = {}
    for r in peers["results"]:
        if r.get("kind", "forward") != "forward":
            continue
        table.setdefault(os.path.basename(r["file"]), {})[r["solver"]] = r
    lines = ["| problem | SparseQP (s) | " + " | ".join(f"{s} (s) | ratio" for s in solvers) + " |",
             "|---" * (2 + 2 * len(solvers)) + "|"]
    logs = {s: [] for s in solvers}
    for name in sorted(ours):
        o = ours[name]
        t = o["timings"]["total"]
        ok = o["status"] == "solved" and o["verified"]
        cells = [name, f"{t:.3g}" + ("" if ok else f" ({o['status']})")]
        for s in solvers:
            r = table.get(name, {}).get(s)
            if r is None:
                cells += ["–", "–"]
                continue
            pt = r.get("time")
            # Peers report their own status strings (Solved, PIQP_SOLVED, solved): "verified" decides.
            pok = bool(r.get("verified"))
            if ok and pok and pt:
                logs[s].append(math.log(pt / t))
                cells += [f"{pt:.3g}", f"{pt / t:.2f}"]
            else:
                cells += [f"{pt:.3g} ({r.get('status')}{', ' + r['error'] if r.get('error') else ''})" if pt else str(r.get("status")), "–"]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    cpu = peers.get("machine", {}).get("cpu", "?")
    eps = peers.get("settings", {}).get("eps_abs", "?")
    lines.append(f"CPU: {cpu}; ε = {eps} (SparseQP, OSQP); Clarabel and PIQP at their own defaults (1e-8).")
    lines.append("")
    for s in solvers:
        if logs[s]:
            lines.append(f"- {s}: geometric mean peer/SparseQP = {math.exp(sum(logs[s]) / len(logs[s])):.2f} over {len(logs[s])} problems")
    text = "\n".join(lines)
    print(text)
    if a.markdown:
        open(a.markdown, "w").write(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
