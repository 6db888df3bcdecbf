#!/usr/bin/env python3
"""Run OSQP (Python package, pinned 1.1.3), Clarabel or PIQP on the Maros–Meszaros QPS files.

Usage (from the repo root, after `bash Benchmarks/peers/setup.sh`)::

    Benchmarks/peers/.venv/bin/python Benchmarks/peers/maros_meszaros.py \
        [FOLDER] [--eps-abs 1e-3] [--eps-rel 1e-3] [--max-iter 4000] \
        [--polish | --no-polish] [--time-limit 100] [--filter REGEX] \
        [--jobs 1] [--bound-rows finite|all] [--out results.json] \
        [--solver osqp|clarabel|piqp]

FOLDER defaults to /work/shared/datasets/maros-meszaros; the reference values
are read from FOLDER/reference.csv (column `objective`), or --reference.

Problem form (see qps.py): minimize ½xᵀPx + qᵀx + r  s.t.  l ≤ Ax ≤ u, where A
is the constraint rows followed by one identity row per column that has at
least one finite bound (`--bound-rows finite`, default; `all` adds a row for
every column, which is the convention of reference.csv's m/nnzA).  Infinite
bounds are passed to OSQP as ±1e30 (OSQP_INFTY).

Solver settings: OSQP's defaults (builtin algebra, direct linear system
solver = QDLDL, rho 0.1, sigma 1e-6, alpha 1.6, adaptive rho, scaling 10,
check_termination 25, check_dualgap on, ...) except those given on the command
line: eps_abs, eps_rel (default 1e-3 each, OSQP's default), max_iter (default
4000, OSQP's default), polishing (default off, OSQP's default), time_limit
(default 100 s per problem; OSQP's own default is 1e10 s, i.e. none).
verbose is off.

--solver clarabel / piqp (interior-point peers, pinned in requirements.txt): the same problem
data, split by the suite's converters (Benchmarks/peers/suite.py: equality rows l = u as
equalities, finite sides as inequalities), with their own defaults except the tolerances, which
follow --eps-abs/--eps-rel (Clarabel: tol_gap_abs = tol_feas = eps_abs, tol_gap_rel = eps_rel;
PIQP: eps_abs, eps_rel) so that all peers are asked for the same accuracy. Each problem runs in a
child process killed at --time-limit (PIQP has no time limit of its own); run_time is the wall
time of setup + solve measured in the child (the solvers' own setup and solve, Python conversion
excluded).

VERIFICATION RULE (the Swift benchmark applies the same rule).  A problem is
"verified" iff the solver returned a finite x and both hold:

  1. objective:  |f − f*| ≤ 1e-6 · max(1, |f*|)
     where f = ½xᵀPx + qᵀx + r is recomputed in float64 from the returned x
     (constant r included) and f* is `objective` in reference.csv;
  2. primal feasibility:  ‖max(l − Ax, Ax − u, 0)‖∞ ≤ 1e-6 · max(1, ‖Ax‖∞)
     with A, l, u the matrix and bounds above (constraint rows plus one
     identity row per column with a finite bound; ±∞ sides never violate).
     So ‖Ax‖∞ = max(‖A_c x‖∞, max_{j bounded} |x_j|).

The solver's own status is recorded but does not enter the rule.

TIMING.  run_time = OSQP's info.run_time (setup + solve + polish, measured by
OSQP in C; Python-side conversion is excluded; `wall_time` also records the
Python wall clock around setup+solve).  The summary reports the shifted
geometric mean

    sgm = exp( mean_i log(t_i + 10) ) − 10      (shift 10 s)

over ALL selected problems, with t_i = run_time if problem i is verified and
t_i = time limit (the --time-limit value) otherwise ("failures counted at the
time limit").

OUTPUT.  One JSON object per problem on stdout (one line each, in name order),
then one final line {"summary": {...}}; a human-readable summary goes to
stderr.  --out FILE also writes everything as one JSON document
{"solver", "settings", "environment", "problems": [...], "summary"}.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import platform
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qps import read_qps  # noqa: E402

DEFAULT_FOLDER = "/work/shared/datasets/maros-meszaros"
OSQP_INFTY = 1e30
OBJ_TOL = 1e-6
FEAS_TOL = 1e-6
SGM_SHIFT = 10.0


def check_solution(qp, x, f_ref):
    """Apply the verification rule; return a dict of the measured quantities."""
    out = {"objective": None, "obj_rel_error": None, "primal_residual": None,
           "primal_scale": None, "obj_ok": False, "feas_ok": False, "verified": False}
    if x is None or not np.all(np.isfinite(x)):
        return out
    f = qp.objective(x)
    Ax = qp.A @ x
    with np.errstate(invalid="ignore"):
        viol = np.maximum(np.maximum(qp.l - Ax, Ax - qp.u), 0.0)
    res = float(np.max(viol)) if viol.size else 0.0
    scale = max(1.0, float(np.max(np.abs(Ax))) if Ax.size else 0.0)
    out["objective"] = f
    out["primal_residual"] = res
    out["primal_scale"] = scale
    out["feas_ok"] = bool(res <= FEAS_TOL * scale)
    if f_ref is not None and math.isfinite(f_ref) and math.isfinite(f):
        err = abs(f - f_ref)
        out["obj_rel_error"] = err / max(1.0, abs(f_ref))
        out["obj_ok"] = bool(err <= OBJ_TOL * max(1.0, abs(f_ref)))
    out["verified"] = bool(out["obj_ok"] and out["feas_ok"])
    return out


def solve_one(path, settings, bound_rows, f_ref):
    import osqp

    name = os.path.splitext(os.path.basename(path))[0]
    rec = {"name": name}
    try:
        qp = read_qps(path, bound_rows=bound_rows)
    except Exception as e:  # pragma: no cover - reported, not fatal
        rec.update(status="read_error", error=str(e), verified=False)
        return rec
    rec.update(n=qp.n, m=qp.m, nnzP=int(qp.P.nnz), nnzA=int(qp.A.nnz), reference=f_ref)
    l = np.clip(qp.l, -OSQP_INFTY, OSQP_INFTY)
    u = np.clip(qp.u, -OSQP_INFTY, OSQP_INFTY)
    x = None
    try:
        t0 = time.perf_counter()
        solver = osqp.OSQP(algebra="builtin")
        solver.setup(qp.P, qp.q, qp.A, l, u,
                     linsys_solver=solver.ext.OSQP_DIRECT_SOLVER, **settings)
        assert solver.solver_type == "direct", solver.solver_type  # builtin + direct = QDLDL
        res = solver.solve(raise_error=False)
        wall = time.perf_counter() - t0
        info = res.info
        x = None if res.x is None else np.array(res.x, dtype=float)
        rec.update(
            status=str(info.status),
            status_val=int(info.status_val),
            iterations=int(info.iter),
            osqp_obj_val=float(info.obj_val) + qp.r if info.obj_val is not None else None,
            prim_res=float(info.prim_res),
            dual_res=float(info.dual_res),
            rho_updates=int(info.rho_updates),
            rho_estimate=float(info.rho_estimate),
            polish_status=int(info.status_polish),
            setup_time=float(info.setup_time),
            solve_time=float(info.solve_time),
            polish_time=float(info.polish_time),
            run_time=float(info.run_time),
            wall_time=wall,
        )
    except Exception as e:  # OSQP setup errors (e.g. non-convex) etc.
        rec.update(status="error", error=f"{type(e).__name__}: {e}")
    rec.update(check_solution(qp, x, f_ref))
    for k, v in list(rec.items()):  # JSON has no NaN/inf
        if isinstance(v, float) and not math.isfinite(v):
            rec[k] = None
    return rec


def _peer_child(queue, solver, path, bound_rows, eps_abs, eps_rel, time_limit):
    """Child process: solve one problem with Clarabel or PIQP and put (record, x) on the queue."""
    import types
    import suite
    qp = read_qps(path, bound_rows=bound_rows)
    prob = (qp.P, qp.q, qp.A, qp.l, qp.u, qp.r)
    if solver == "clarabel":
        import clarabel
        original = clarabel.DefaultSettings

        def settings_with_eps():
            st = original()
            st.tol_gap_abs = eps_abs
            st.tol_feas = eps_abs
            st.tol_gap_rel = eps_rel
            return st
        clarabel.DefaultSettings = settings_with_eps
        rec, x, _ = suite.run_clarabel(prob, types.SimpleNamespace(time_limit=time_limit))
    else:
        import piqp
        original = piqp.SparseSolver

        class WithEps(original):
            def __init__(self):
                super().__init__()
                self.settings.eps_abs = eps_abs
                self.settings.eps_rel = eps_rel
        piqp.SparseSolver = WithEps
        rec, x, _ = suite.run_piqp(prob, types.SimpleNamespace(time_limit=time_limit))
    queue.put((rec, None if x is None else np.asarray(x, float)))


def solve_one_peer(path, solver, bound_rows, f_ref, eps_abs, eps_rel, time_limit):
    """Clarabel or PIQP on one file, in a child process with a wall-clock limit."""
    import multiprocessing as mp
    name = os.path.splitext(os.path.basename(path))[0]
    rec = {"name": name, "reference": f_ref}
    qp = read_qps(path, bound_rows=bound_rows)
    rec.update(n=qp.n, m=qp.m, nnzP=int(qp.P.nnz), nnzA=int(qp.A.nnz))
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_peer_child, args=(queue, solver, path, bound_rows, eps_abs, eps_rel, time_limit))
    proc.start()
    x = None
    try:
        out, x = queue.get(timeout=time_limit + 5)
        rec.update(status=out["status"], iterations=out.get("iterations"), setup_time=out.get("setup_time"),
                   solve_time=out.get("solve_time"), run_time=out.get("time"),
                   solver_objective=out.get("solver_objective"))
    except Exception as e:  # timeout (queue.Empty) or a crash of the child
        rec.update(status="time_limit" if proc.is_alive() else "error", error=type(e).__name__)
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
    if rec.get("run_time") is not None and rec["run_time"] > time_limit:
        rec["status"] = "time_limit"
    rec.update(check_solution(qp, x if rec.get("status") != "time_limit" else None, f_ref))
    for k, v in list(rec.items()):
        if isinstance(v, float) and not math.isfinite(v):
            rec[k] = None
    return rec


def shifted_geomean(times, shift=SGM_SHIFT):
    if not times:
        return None
    return float(math.exp(sum(math.log(t + shift) for t in times) / len(times)) - shift)


def load_reference(path):
    ref = {}
    if path and os.path.exists(path):
        with open(path) as fh:
            for row in csv.DictReader(fh):
                try:
                    ref[row["name"]] = float(row["objective"])
                except (KeyError, ValueError):
                    pass
    return ref


def emit(records, rec):
    """Record one problem: a JSON line on stdout, a progress line on stderr."""
    records.append(rec)
    print(json.dumps(rec), flush=True)
    print(f"  {rec['name']:10s} {str(rec.get('status')):28s} it={rec.get('iterations')} "
          f"t={rec.get('run_time') if rec.get('run_time') is None else round(rec['run_time'], 4)} "
          f"verified={rec.get('verified')}", file=sys.stderr, flush=True)


def summarize(records, tl, t_start):
    """The summary (failures charged the time limit `tl`), printed as the last JSON line and on stderr."""
    times = [min(r["run_time"], tl) if r.get("verified") and r.get("run_time") is not None else tl
             for r in records]
    statuses = {}
    for r in records:
        statuses[str(r.get("status"))] = statuses.get(str(r.get("status")), 0) + 1
    summary = {
        "problems": len(records),
        "verified": sum(1 for r in records if r.get("verified")),
        "solved_status": sum(1 for r in records if r.get("status") == "solved"),
        "statuses": statuses,
        "shifted_geomean_run_time": shifted_geomean(times),
        "sgm_shift": SGM_SHIFT,
        "failure_time": tl,
        "total_run_time": sum(r.get("run_time") or 0.0 for r in records),
        "benchmark_wall_time": time.time() - t_start,
        "not_verified": [r["name"] for r in records if not r.get("verified")],
    }
    print(json.dumps({"summary": summary}), flush=True)
    print(f"verified {summary['verified']}/{summary['problems']}  "
          f"shifted geomean run time (shift {SGM_SHIFT:g} s, failures at {tl:g} s): "
          f"{summary['shifted_geomean_run_time']:.6g} s  "
          f"(sum of run times {summary['total_run_time']:.1f} s, wall {summary['benchmark_wall_time']:.1f} s)",
          file=sys.stderr)
    return summary


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", nargs="?", default=DEFAULT_FOLDER)
    ap.add_argument("--reference", default=None, help="CSV with name,objective (default FOLDER/reference.csv)")
    ap.add_argument("--eps-abs", type=float, default=1e-3)
    ap.add_argument("--eps-rel", type=float, default=1e-3)
    ap.add_argument("--max-iter", type=int, default=4000)
    ap.add_argument("--polish", action=argparse.BooleanOptionalAction, default=False,
                    help="OSQP solution polishing (default: off, as OSQP)")
    ap.add_argument("--time-limit", type=float, default=100.0,
                    help="OSQP time_limit per problem in seconds (default 100); also the time "
                         "charged to failures in the shifted geometric mean")
    ap.add_argument("--filter", default=None, help="regex searched in the problem name")
    ap.add_argument("--jobs", type=int, default=1, help="parallel processes (default 1: timings!)")
    ap.add_argument("--bound-rows", choices=("finite", "all"), default="finite")
    ap.add_argument("--out", default=None, help="also write a JSON document here")
    ap.add_argument("--solver", choices=("osqp", "clarabel", "piqp"), default="osqp")
    args = ap.parse_args(argv)
    if args.solver != "osqp":
        return main_peer(args)

    import osqp
    settings = dict(eps_abs=args.eps_abs, eps_rel=args.eps_rel, max_iter=args.max_iter,
                    polishing=bool(args.polish), time_limit=args.time_limit, verbose=False)
    # linsys_solver is set to OSQP_DIRECT_SOLVER in solve_one (builtin algebra + direct = QDLDL)
    ref = load_reference(args.reference or os.path.join(args.folder, "reference.csv"))
    pat = re.compile(args.filter) if args.filter else None
    files = sorted(f for f in os.listdir(args.folder) if f.upper().endswith(".QPS"))
    files = [f for f in files if pat is None or pat.search(os.path.splitext(f)[0])]
    paths = [os.path.join(args.folder, f) for f in files]
    refs = [ref.get(os.path.splitext(f)[0]) for f in files]

    # Warm up the extension once so lazy loading does not land on the first problem.
    import scipy.sparse as sp
    _w = osqp.OSQP(algebra="builtin")
    _w.setup(sp.csc_matrix(np.eye(1)), np.ones(1), sp.csc_matrix(np.eye(1)), -np.ones(1), np.ones(1), verbose=False)
    _w.solve(raise_error=False)

    t_start = time.time()
    records = []

    if args.jobs <= 1:
        for p, fr in zip(paths, refs):
            emit(records, solve_one(p, settings, args.bound_rows, fr))
    else:
        with ProcessPoolExecutor(max_workers=args.jobs) as ex:
            for rec in ex.map(solve_one, paths, [settings] * len(paths),
                              [args.bound_rows] * len(paths), refs):
                emit(records, rec)

    summary = summarize(records, args.time_limit, t_start)

    if args.out:
        import scipy
        doc = {
            "solver": {"name": "osqp", "version": osqp.__version__, "algebra": "builtin",
                       "linsys_solver": "qdldl"},
            "settings": {k: v for k, v in settings.items()},
            "args": vars(args),
            "rule": {"objective": "|f - f*| <= 1e-6*max(1,|f*|)",
                     "primal": "||max(l-Ax, Ax-u, 0)||_inf <= 1e-6*max(1, ||Ax||_inf)",
                     "A": "constraint rows + identity rows for columns with a finite bound"
                          if args.bound_rows == "finite" else "constraint rows + identity row for every column",
                     "sgm": "exp(mean(log(t+10)))-10, t=run_time if verified else time_limit"},
            "environment": {"python": platform.python_version(), "numpy": np.__version__,
                            "scipy": scipy.__version__, "platform": platform.platform(),
                            "processor": platform.processor(), "cpu_count": os.cpu_count()},
            "problems": records,
            "summary": summary,
        }
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as fh:
            json.dump(doc, fh, indent=1)
    return 0


def main_peer(args):
    """--solver clarabel|piqp: the same loop, rule and summary as OSQP's, one child per problem."""
    import importlib.metadata as md
    ref = load_reference(args.reference or os.path.join(args.folder, "reference.csv"))
    pat = re.compile(args.filter) if args.filter else None
    files = sorted(f for f in os.listdir(args.folder) if f.upper().endswith(".QPS"))
    files = [f for f in files if pat is None or pat.search(os.path.splitext(f)[0])]
    records = []
    t_start = time.time()
    for f in files:
        emit(records, solve_one_peer(os.path.join(args.folder, f), args.solver, args.bound_rows,
                                     ref.get(os.path.splitext(f)[0]), args.eps_abs, args.eps_rel, args.time_limit))
    summary = summarize(records, args.time_limit, t_start)
    if args.out:
        doc = {"solver": {"name": args.solver, "version": md.version(args.solver)},
               "settings": {"eps_abs": args.eps_abs, "eps_rel": args.eps_rel, "time_limit": args.time_limit},
               "args": vars(args),
               "environment": {"python": platform.python_version(), "platform": platform.platform(),
                               "processor": platform.processor(), "cpu_count": os.cpu_count()},
               "problems": records, "summary": summary}
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as fh:
            json.dump(doc, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
