#!/usr/bin/env python3
"""Replay a parametric QP sequence (written by `sparseqp sequence ... --write-problem P.qpb
--write-sequence S.json`) on OSQP 1.1.3 with warm starts; count its factorizations and time it,
next to SparseQP's own summary (`sparseqp sequence ... --json > OURS.json`) when given.

Usage (from the repo root):

  Benchmarks/peers/.venv/bin/python Benchmarks/peers/sequence_osqp.py S.json \\
      [--problem P.qpb] [--sparseqp OURS.json] [--out OSQP_SEQ.json]

Input S.json: {"problem": "path.qpb or .qps", "eps_abs", "eps_rel", "polish", "max_iter",
"steps": [{"q_idx": [...], "q_val": [...], "lu_idx": [...], "l_val": [...], "u_val": [...]}, ...]}.
A relative "problem" path is tried against the working directory, then against S.json's folder;
--problem overrides it. Step k applies its updates (q[q_idx] = q_val, l[lu_idx] = l_val,
u[lu_idx] = u_val; a missing key = no change) to the data of step k − 1 and then solves. Step 0's
updates are applied to the file's data before OSQP's setup; later steps call solver.update(q=...,
l=..., u=...) with the full changed vectors (OSQP 1.1.3 has no index-wise vector update), then
solve() warm-started from the previous solution (OSQP's default warm_starting = True).

OSQP settings: eps_abs, eps_rel, max_iter, polishing from S.json; everything else OSQP's defaults
(builtin algebra, direct = QDLDL, rho 0.1, adaptive rho, ...), verbose off.

Factorizations (counted from OSQP's info; OSQP does not time them separately):
  * setup: 1 symbolic (AMD + elimination tree) + 1 numeric factorization of the KKT matrix;
  * every adaptive rho update (info.rho_updates, which OSQP 1.1.3 resets on every solve call —
    checked) is 1 numeric refactorization of the same KKT pattern, inside solve_time;
  * an l/u update that changes a row's type (loose: both sides infinite / equality: u − l < 1e-4 /
    inequality) changes OSQP's rho vector and costs 1 numeric refactorization inside update_time.
    Estimated here from the unscaled bounds (OSQP tests the scaled ones; exact for l = u rows and
    infinite sides), counted at most once per update call;
  * polishing: each polish that gets as far as the reduced KKT (info.status_polish ∈ {1 success,
    −1 rejected/failed after it, −2 factorization error}; 0 = not run, 2 = no active set → none)
    builds a fresh QDLDL solver for the reduced KKT: 1 symbolic + 1 numeric, inside polish_time.
Times per step from OSQP's info (C timers): setup_time (step 0), update_time (all update calls
since the previous solve), solve_time (ADMM iterations incl. rho refactorizations), polish_time;
run_time = setup or update + solve + polish. Python wall time around each call is reported too.
Each step is also checked with common.residuals (OSQP's tolerances, from x and y; status ignored).

Output JSON (--out; default: print only):
  {"tool": "sequence_osqp", "date", "machine", "versions", "command", "sequence", "problem",
   "n", "m", "settings": {...}, "steps": [{"step", "iterations", "status", "polish_status",
   "rho_updates", "type_change_refactorizations", "setup_time", "update_time", "solve_time",
   "polish_time", "run_time", "update_wall", "solve_wall", "objective", "verified", "rel_primal",
   "rel_dual"}], "totals": {"steps", "solved", "verified", "iterations", "setup_time",
   "update_time", "solve_time", "polish_time", "run_time", "wall_time"}, "factorizations":
   {"kkt_symbolic", "kkt_numeric", "kkt_numeric_setup", "kkt_numeric_rho_updates",
   "kkt_numeric_type_changes", "polish_symbolic", "polish_numeric", "symbolic_total",
   "numeric_total", "how_counted"}, "sparseqp": (OURS.json verbatim, or null)}
A short text summary (OSQP next to SparseQP) goes to stdout.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import common  # noqa: E402
from qpb import read_problem  # noqa: E402

OSQP_INFTY = 1e30
RHO_TOL = 1e-4            # OSQP_RHO_TOL: u − l below this → equality row
LOOSE = OSQP_INFTY * 1e-4  # OSQP_INFTY · OSQP_MIN_SCALING: both sides beyond → loose row
POLISH_FACTORIZED = (1, -1, -2)

HOW = ("setup: 1 symbolic + 1 numeric KKT factorization; + 1 numeric refactorization per adaptive rho update "
       "(info.rho_updates, per solve call); + 1 numeric refactorization per update call that changes a row's "
       "loose/equality/inequality type (estimated on unscaled bounds); polish: 1 symbolic + 1 numeric "
       "factorization of the reduced KKT per step with info.status_polish in {1, -1, -2}.")


def row_types(l, u):
    t = np.zeros(l.shape[0], dtype=np.int8)
    t[(l < -LOOSE) & (u > LOOSE)] = -1
    t[(t == 0) & (u - l < RHO_TOL)] = 1
    return t


def apply(step, q, l, u, k):
    """Apply one step's updates in place; returns (q_changed, lu_changed)."""
    unknown = set(step) - {"q_idx", "q_val", "lu_idx", "l_val", "u_val"}
    if unknown:
        raise SystemExit(f"step {k}: unknown keys {sorted(unknown)}")
    qc = luc = False
    if "q_idx" in step or "q_val" in step:
        idx, val = np.asarray(step.get("q_idx", []), dtype=np.int64), np.asarray(step.get("q_val", []), float)
        if idx.shape != val.shape:
            raise SystemExit(f"step {k}: q_idx has {idx.size} entries, q_val {val.size}")
        if idx.size and (idx.min() < 0 or idx.max() >= q.shape[0]):
            raise SystemExit(f"step {k}: q_idx out of range 0..{q.shape[0] - 1}")
        q[idx] = val
        qc = idx.size > 0
    if any(key in step for key in ("lu_idx", "l_val", "u_val")):
        idx = np.asarray(step.get("lu_idx", []), dtype=np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= l.shape[0]):
            raise SystemExit(f"step {k}: lu_idx out of range 0..{l.shape[0] - 1}")
        for key, arr in (("l_val", l), ("u_val", u)):
            if key in step:
                val = np.asarray(step[key], float)
                if val.shape != idx.shape:
                    raise SystemExit(f"step {k}: lu_idx has {idx.size} entries, {key} {val.size}")
                arr[idx] = val
        luc = idx.size > 0
        if np.any(l[idx] > u[idx]):
            raise SystemExit(f"step {k}: l > u after the update")
    return qc, luc


def resolve(path, seq_path):
    if os.path.isabs(path) or os.path.exists(path):
        return path
    alt = os.path.join(os.path.dirname(os.path.abspath(seq_path)), path)
    return alt if os.path.exists(alt) else path


def fmt_s(t):
    if t is None:
        return "–"
    return f"{t:.3g} s" if t >= 1 else f"{1000 * t:.3g} ms"


def main():
    ap = argparse.ArgumentParser(description="Replay a SparseQP parametric sequence on OSQP (warm starts).")
    ap.add_argument("sequence", help="sequence JSON from `sparseqp sequence --write-sequence`")
    ap.add_argument("--problem", help="override the sequence's problem path (.qpb or .qps)")
    ap.add_argument("--sparseqp", help="SparseQP's summary (`sparseqp sequence ... --json`), shown alongside")
    ap.add_argument("--out", help="write the JSON report here")
    a = ap.parse_args()
    import osqp

    seq = json.load(open(a.sequence))
    for key in ("eps_abs", "eps_rel", "polish", "max_iter", "steps"):
        if key not in seq:
            raise SystemExit(f"{a.sequence}: missing key {key!r}")
    path = a.problem or resolve(seq.get("problem") or "", a.sequence)
    if not path:
        raise SystemExit(f"{a.sequence}: no problem path (give --problem)")
    P, q, A, l, u, r = read_problem(path)
    q, l, u = q.copy(), l.copy(), u.copy()
    settings = dict(eps_abs=float(seq["eps_abs"]), eps_rel=float(seq["eps_rel"]), max_iter=int(seq["max_iter"]),
                    polishing=bool(seq["polish"]), verbose=False)
    steps = seq["steps"]
    if not steps:
        raise SystemExit(f"{a.sequence}: no steps")

    apply(steps[0], q, l, u, 0)
    types = row_types(l, u)
    s = osqp.OSQP(algebra="builtin")
    t0 = time.perf_counter()
    s.setup(P, q, A, np.maximum(l, -OSQP_INFTY), np.minimum(u, OSQP_INFTY), **settings)
    setup_wall = time.perf_counter() - t0
    if s.solver_type != "direct":
        raise SystemExit(f"OSQP linear solver is {s.solver_type!r}, expected 'direct' (QDLDL)")

    out_steps = []
    t_all = time.perf_counter()
    for k, st in enumerate(steps):
        update_wall, tc = 0.0, 0
        if k > 0:
            qc, luc = apply(st, q, l, u, k)
            kw = {}
            if qc:
                kw["q"] = q
            if luc:
                kw["l"], kw["u"] = l, u
                nt = row_types(l, u)
                tc = int(np.any(nt != types))
                types = nt
            if kw:
                t1 = time.perf_counter()
                s.update(**kw)
                update_wall = time.perf_counter() - t1
        t1 = time.perf_counter()
        res = s.solve(raise_error=False)
        solve_wall = time.perf_counter() - t1
        i = res.info
        chk = common.residuals(P, q, A, l, u, res.x, res.y, settings["eps_abs"], settings["eps_rel"])
        out_steps.append(dict(
            step=k, iterations=int(i.iter), status=str(i.status), polish_status=int(i.status_polish),
            rho_updates=int(i.rho_updates), type_change_refactorizations=tc,
            setup_time=float(i.setup_time) if k == 0 else 0.0, update_time=float(i.update_time) if k > 0 else 0.0,
            solve_time=float(i.solve_time), polish_time=float(i.polish_time), run_time=float(i.run_time),
            setup_wall=setup_wall if k == 0 else 0.0, update_wall=update_wall, solve_wall=solve_wall,
            objective=common.objective(P, q, r, res.x), verified=chk["verified"],
            rel_primal=chk["rel_primal"], rel_dual=chk["rel_dual"]))
    wall = time.perf_counter() - t_all + setup_wall

    S = lambda key: float(sum(x[key] for x in out_steps))  # noqa: E731
    pol = sum(1 for x in out_steps if x["polish_status"] in POLISH_FACTORIZED)
    rho = sum(x["rho_updates"] for x in out_steps)
    tcs = sum(x["type_change_refactorizations"] for x in out_steps)
    fact = dict(kkt_symbolic=1, kkt_numeric=1 + rho + tcs, kkt_numeric_setup=1, kkt_numeric_rho_updates=rho,
                kkt_numeric_type_changes=tcs, polish_symbolic=pol, polish_numeric=pol,
                symbolic_total=1 + pol, numeric_total=1 + rho + tcs + pol, how_counted=HOW)
    totals = dict(steps=len(out_steps), solved=sum(1 for x in out_steps if x["status"] == "solved"),
                  verified=sum(1 for x in out_steps if x["verified"]), iterations=int(S("iterations")),
                  setup_time=S("setup_time"), update_time=S("update_time"), solve_time=S("solve_time"),
                  polish_time=S("polish_time"), run_time=S("run_time"), wall_time=wall)
    ours = json.load(open(a.sparseqp)) if a.sparseqp else None
    doc = dict(tool="sequence_osqp", date=common.utc_now(), machine=common.machine(),
               versions=common.versions(("osqp", "numpy", "scipy")), command=common.command_line(),
               sequence=a.sequence, problem=path, n=int(q.shape[0]), m=int(l.shape[0]),
               settings=dict(settings, algebra="builtin", linsys_solver="qdldl", warm_starting=True),
               steps=out_steps, totals=totals, factorizations=fact, sparseqp=ours)
    if a.out:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "w") as f:
            json.dump(common.json_clean(doc), f, indent=1)

    # ---- text summary
    its = [x["iterations"] for x in out_steps]
    print(f"sequence: {a.sequence} on {path} (n = {doc['n']}, m = {doc['m']}), {len(out_steps)} steps; "
          f"eps_abs {settings['eps_abs']:g}, eps_rel {settings['eps_rel']:g}, polish {settings['polishing']}, "
          f"max_iter {settings['max_iter']}")
    rows = [("", f"OSQP {osqp.__version__} (warm)", "SparseQP" if ours else None)]
    g = (lambda *ks: _get(ours, *ks)) if ours else (lambda *ks: None)
    rows += [
        ("steps solved", f"{totals['solved']}/{totals['steps']} ({totals['verified']} verified)",
         f"{g('solved')}/{g('steps')}" if ours else None),
        ("iterations total", str(totals["iterations"]), _s(g("iterations_total"))),
        ("iterations first / median rest", f"{its[0]} / {float(np.median(its[1:])) if len(its) > 1 else '–'}",
         _first_median(g("iterations_per_step"))),
        ("symbolic analyses", f"{fact['symbolic_total']} (1 KKT + {pol} polish)", _s(g("symbolic_analyses"))),
        ("numeric factorizations", f"{fact['numeric_total']} (1 setup + {rho} rho + {tcs} bound-type + {pol} polish)",
         _s(g("numeric_factorizations"))),
        ("setup", fmt_s(totals["setup_time"]), fmt_s(g("times", "setup")) if ours else None),
        ("updates", fmt_s(totals["update_time"]), None),
        ("solve (iterations)", fmt_s(totals["solve_time"]), fmt_s(g("times", "admm_iterations")) if ours else None),
        ("polish", fmt_s(totals["polish_time"]), fmt_s(g("times", "polish")) if ours else None),
        ("whole sequence", f"{fmt_s(totals['run_time'])} (OSQP timers; wall {fmt_s(wall)})",
         fmt_s(g("times", "sequence_total")) if ours else None),
    ]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    for r0, r1, r2 in rows:
        print(f"  {r0:<{w0}}  {r1:<{w1}}  {r2 or ''}".rstrip())
    print(f"  (how OSQP's factorizations are counted: {HOW})")
    if a.out:
        print(f"wrote {a.out}", file=sys.stderr)
    return 0


def _get(d, *keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def _s(v):
    return "–" if v is None else str(v)


def _first_median(v):
    if not isinstance(v, list) or not v:
        return None
    return f"{v[0]} / {float(np.median(v[1:])) if len(v) > 1 else '–'}"


if __name__ == "__main__":
    sys.exit(main())
