"""Evaluates the row-kind rule of Sources/ADMM/Method.swift on the medians of the repeated runs of
run-repeated.sh (repeated/<method>-<eps>-<k>.json): the fraction of runs where the chosen method is
within 10 % of the faster one, and the geometric-mean slowdown, for several inequality-share
thresholds. Row kinds are read from the problem files (needs numpy, as eval.py). `-v` lists the
runs under the current rule (every constrained row an inequality and at least 1.5 constrained rows
per variable)."""
import glob, json, math, os, statistics, sys
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "peers"))
import numpy as np
import qpb

def load(f): return {r["problem"]: r for r in json.load(open(f))["problems"]}

def runs(method, eps):
    return [load(f) for f in sorted(glob.glob(os.path.join(here, "repeated", f"{method}-{eps}-*.json")))]

rows, share, per_variable = [], {}, {}
for eps in ["1e-3", "1e-6"]:
    A, B = runs("admm", eps), runs("interior-point", eps)
    for k in A[0]:
        if k not in share:
            p = qpb.read_qpb(A[0][k]["file"])
            l, u = np.asarray(p.l), np.asarray(p.u)
            eq = np.isclose(l, u); free = ~np.isfinite(l) & ~np.isfinite(u)
            share[k] = np.sum(~eq & ~free) / max(1, np.sum(~free))
            per_variable[k] = np.sum(~free) / max(1, len(np.asarray(p.q)))
        ta = statistics.median(a[k]["timings"]["total"] for a in A)
        tb = statistics.median(b[k]["timings"]["total"] for b in B)
        rows.append((k, float(eps), ta, tb, (share[k], per_variable[k])))

def evaluate(rule, verbose=False):
    ok, g = 0, 0.0
    for k, eps, ta, tb, s in rows:
        ip = rule(s, eps)
        pick, best = (tb if ip else ta), min(ta, tb)
        good = pick <= 1.1 * best
        ok += good; g += math.log(pick / best)
        if verbose:
            print(f"{k:28s} {eps:.0e} share {s[0]:.3f} m/n {s[1]:.2f} admm {ta:.4f} s  ip {tb:.4f} s  ratio {tb / ta:.2f}  "
                  f"{'IP  ' if ip else 'ADMM'} {'ok' if good else 'MISSED'}")
    return f"{ok}/{len(rows)} within 10 % ({100 * ok / len(rows):.0f} %), geometric-mean slowdown {math.exp(g / len(rows)):.3f}"

print(f"{len(runs('admm', '1e-3'))} runs per method and ε, medians")
print("always ADMM:          ", evaluate(lambda s, e: False))
print("always interior point:", evaluate(lambda s, e: True))
for th in [0.5, 0.7, 0.8, 0.9, 0.99, 1.0]:
    print(f"row kinds, share >= {th}:".ljust(22), evaluate(lambda s, e: s[0] >= th))
for r in [1.0, 1.5, 2.0]:
    print(f"share = 1 and m/n >= {r}:".ljust(22), evaluate(lambda s, e: s[0] >= 1.0 and s[1] >= r))
# The rule of Sources/ADMM/Method.swift: every constrained row an inequality, ≥ 1.5 rows per variable.
if "-v" in sys.argv:
    evaluate(lambda s, e: s[0] >= 1.0 and s[1] >= 1.5, verbose=True)
