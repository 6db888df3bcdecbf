#!/usr/bin/env python3
"""Peer side of the SparseQP benchmark suite: OSQP, Clarabel, PIQP (forward solve) and, at small
sizes, differentiable layers (qpth, cvxpylayers, OSQP's adjoint: forward + backward) on problem
files (.qpb or QPS; see qpb.py), one child process per (solver, problem).

Usage (from the repo root; the venv comes from `bash Benchmarks/peers/setup.sh --torch`):

  Benchmarks/peers/.venv/bin/python Benchmarks/peers/suite.py 'DIR/*.qpb' [MORE FILES OR GLOBS ...] \\
      --out Benchmarks/results/peers-suite.json \\
      [--solvers osqp,clarabel,piqp] [--layers qpth,cvxpylayers,osqp_adjoint] [--layers-max-n 2000] \\
      [--eps-abs 1e-3] [--eps-rel 1e-3] [--max-iter 4000] [--polish | --no-polish] \\
      [--time-limit 120] [--grace 30] [--flush-to-zero off|on|both]

Globs are expanded by the script (quote them), sorted, duplicates dropped. `--solvers ''` runs
no forward solvers; `--layers` is empty (off) by default. The JSON is rewritten after every job,
so an interrupted run keeps what finished.

Each (solver, problem) runs in a child (`suite.py --child SOLVER FILE ...`); the parent kills its
process group after --time-limit + --grace seconds wall ("timeout"). Failures are recorded, never
dropped: "timeout", "out of memory" (MemoryError, or SIGKILL not sent by us, i.e. the OOM killer),
"failed: <reason>" (exceptions, crashes: last stderr line), "skipped: n > max" (layers above
--layers-max-n; no child is started). A run that finishes but takes longer than --time-limit, or
stops on the solver's own time limit, gets error "timeout: ...". The child imports its solver
package, warms it up (one solve — forward + backward for layers — of a fixed 2-variable QP, so
one-time library initialization such as torch's first kernels is not timed), resets the kernel's
peak-RSS counter, reads the problem, solves, and reports VmHWM:
peak_rss_mib is the child's peak RSS during read + solve, including the interpreter and imported
modules already resident (baseline_rss_mib = RSS right after the reset, to subtract if wanted).
If the child dies before reporting, peak_rss_mib is its whole-life ru_maxrss from wait4 (an upper
bound: Linux also counts the parent's pages the child shared between fork and exec).

Solvers and what is timed (data conversion to each solver's form is done before timing):
  osqp          osqp 1.1.3, builtin algebra, direct linear solver (QDLDL). Settings: eps_abs,
                eps_rel, max_iter, polishing as given, time_limit = --time-limit; all others OSQP's
                defaults (rho 0.1, sigma 1e-6, alpha 1.6, adaptive rho, scaling 10, ...), verbose off.
                l, u clipped to ±1e30 (OSQP_INFTY). time = info.setup_time + solve_time +
                polish_time (= info.run_time, measured in C); setup/solve/polish reported apart.
  clarabel      clarabel 0.11.1 defaults (tol_feas = tol_gap_abs = tol_gap_rel = 1e-8, ...),
                verbose off, time_limit = --time-limit. Rows: l = u → ZeroCone (Ax = l); finite upper
                sides A x ≤ u and finite lower sides −A x ≤ −l → NonnegativeCone; rows infinite on
                both sides dropped. setup_time = DefaultSolver(...) construction (wall), solve_time =
                solve() (wall), time = their sum. Duals mapped back: y[eq] = z, y[upper] += z,
                y[lower] −= z.
  piqp          piqp 0.7.0 SparseSolver defaults (eps_abs = eps_rel = 1e-8), verbose off. Rows: l = u →
                A x = b; other rows with a finite side → h_l ≤ G x ≤ h_u (infinite sides passed as
                ±inf, which PIQP ignores). setup_time = setup() (wall), solve_time = solve() (wall).
                Duals: y[eq] = y, y[ineq] = z_u − z_l.
Layers (loss L = sum(x*), i.e. dx = ones; single call; time = forward_time + backward_time):
  qpth          QPFunction(verbose=-1) defaults (PDIPM batched, eps 1e-12, maxIter 20), torch CPU
                float64, dense Q, p, G, h, A, b (common.split_rows), all requiring grad. forward =
                the QPFunction call, backward = L.backward(). Duals from the autograd context
                (lams, nus).
  cvxpylayers   CvxpyLayer (default diffcp backend), parameters q, h, b; P, G, A constants;
                objective ½ quad_form(x, psd_wrap(P)) + qᵀx; the layer also returns the
                constraint duals (for the residual check). Canonicalization (problem + layer
                construction) is excluded from time and reported as canonicalization_time.
  osqp_adjoint  the osqp settings above; forward = setup + solve + polish (OSQP info),
                backward = adjoint_derivative_compute(dx=ones) + adjoint_derivative_get_mat(
                as_dense=False, dP_as_triu=True) + adjoint_derivative_get_vec() (wall).
                Needs forward status "solved", else "failed: forward status ...".

Flush-to-zero (--flush-to-zero): "off" runs the peers as shipped; "on" runs each child with
LD_PRELOAD=Benchmarks/peers/ftz_shim.so (built by setup.sh: a constructor setting MXCSR FTZ|DAZ on
x86, FPCR.FZ on arm64, before any thread starts, so every thread inherits it), the mode SparseQP's
solver computes in; "both" runs each (solver, problem) twice, the shim's record named SOLVER+ftz
(e.g. "osqp+ftz"), a column of its own. Every record has flush_to_zero (shim requested) and
flush_to_zero_active (the child checked that the smallest subnormal times 1 is 0). The CPU model
is machine.cpu.

Verification (same rule for every solver, status ignored; common.residuals): from the returned x
and y (OSQP sign convention, y > 0 at an upper bound), primal = ‖Ax − Π_[l,u](Ax)‖∞ and dual =
‖Px + q + Aᵀy‖∞; rel_primal = primal / (eps_abs + eps_rel·max(‖Ax‖∞, ‖Π(Ax)‖∞)), rel_dual =
dual / (eps_abs + eps_rel·max(‖Px‖∞, ‖Aᵀy‖∞, ‖q‖∞)) with --eps-abs/--eps-rel; verified iff both
≤ 1. objective = ½xᵀPx + qᵀx + r recomputed from x.

Output JSON:
  {"tool": "peers", "date", "machine": {"cpu", "cores", "mem_gib", "python", "platform"},
   "versions": {...}, "command", "settings": {"eps_abs", "eps_rel", "max_iter", "polish",
   "time_limit", "grace", "solvers", "layers", "layers_max_n", "flush_to_zero", "ftz_shim",
   "torch_threads" (torch.get_num_threads() in the layer children; null if none ran)},
   "results": [{"problem", "file", "class", "size", "seed", "n", "m", "nnz_p", "nnz_a",
     "solver", "kind" ("forward" | "layer"), "status", "verified", "objective", "iterations",
     "time", "setup_time", "solve_time", "polish_time", "forward_time", "backward_time",
     "canonicalization_time", "primal_residual", "dual_residual", "rel_primal", "rel_dual",
     "peak_rss_mib", "baseline_rss_mib", "peak_rss_source", "wall_time", "flush_to_zero",
     "flush_to_zero_active", "error", ...solver
     extras (osqp: status_val, rho_updates, polish_status, solver_objective; layers: grad_q_inf)}]}
  Times in seconds; non-finite numbers are null; fields that do not apply are null.
Progress on stderr: "[k/N] solver problem status time | elapsed ETA".
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import common  # noqa: E402
from common import json_clean, parse_problem_name, file_stem  # noqa: E402

FORWARD = ("osqp", "clarabel", "piqp")
LAYERS = ("qpth", "cvxpylayers", "osqp_adjoint")
OSQP_INFTY = 1e30
FTZ_MODES = ("off", "on", "both")
FTZ_SHIM = os.path.join(HERE, "ftz_shim.so")
FTZ_SUFFIX = "+ftz"
PACKAGES = ("osqp", "clarabel", "piqp", "numpy", "scipy", "torch", "qpth", "cvxpy", "cvxpylayers", "diffcp")

RECORD_KEYS = ("problem", "file", "class", "size", "seed", "n", "m", "nnz_p", "nnz_a", "solver", "kind",
               "status", "verified", "objective", "iterations", "time", "setup_time", "solve_time",
               "polish_time", "forward_time", "backward_time", "canonicalization_time",
               "primal_residual", "dual_residual", "rel_primal", "rel_dual", "peak_rss_mib",
               "baseline_rss_mib", "peak_rss_source", "wall_time", "flush_to_zero", "flush_to_zero_active", "error")


# ---------------------------------------------------------------- solvers (child side)

def _import(solver):
    """Import the solver's packages before the peak-RSS reset (kept out of the measured peak)."""
    if solver in ("osqp", "osqp_adjoint"):
        import osqp  # noqa: F401
    elif solver == "clarabel":
        import clarabel  # noqa: F401
    elif solver == "piqp":
        import piqp  # noqa: F401
    elif solver == "qpth":
        import torch  # noqa: F401
        import qpth.qp  # noqa: F401
    elif solver == "cvxpylayers":
        import torch  # noqa: F401
        import cvxpy  # noqa: F401
        from cvxpylayers.torch import CvxpyLayer  # noqa: F401


def _osqp_setup(prob, a, algebra="builtin"):
    import numpy as np
    import osqp
    P, q, A, l, u, r = prob
    s = osqp.OSQP(algebra=algebra)
    s.setup(P, q, A, np.maximum(l, -OSQP_INFTY), np.minimum(u, OSQP_INFTY),
            eps_abs=a.eps_abs, eps_rel=a.eps_rel, max_iter=a.max_iter, polishing=bool(a.polish),
            time_limit=a.time_limit, verbose=False)
    if s.solver_type != "direct":
        raise RuntimeError(f"OSQP linear solver is {s.solver_type!r}, expected 'direct' (QDLDL)")
    return s


def _osqp_result(res):
    i = res.info
    return dict(status=str(i.status), status_val=int(i.status_val), iterations=int(i.iter),
                rho_updates=int(i.rho_updates), polish_status=int(i.status_polish),
                setup_time=float(i.setup_time), solve_time=float(i.solve_time), polish_time=float(i.polish_time),
                time=float(i.setup_time + i.solve_time + i.polish_time), solver_objective=float(i.obj_val))


def run_osqp(prob, a):
    s = _osqp_setup(prob, a)
    res = s.solve(raise_error=False)
    rec = _osqp_result(res)
    rec["solver_objective"] += prob.r
    return rec, res.x, res.y


def run_clarabel(prob, a):
    import numpy as np
    import scipy.sparse as sp
    import clarabel
    P, q, A, l, u, r = prob
    eq, lo, hi = common.row_sets(l, u)
    Acl = sp.vstack([A[eq], A[hi], -A[lo]], format="csc")
    b = np.concatenate([l[eq], u[hi], -l[lo]])
    cones = []
    if eq.size:
        cones.append(clarabel.ZeroConeT(int(eq.size)))
    if hi.size + lo.size:
        cones.append(clarabel.NonnegativeConeT(int(hi.size + lo.size)))
    st = clarabel.DefaultSettings()
    st.verbose = False
    st.time_limit = float(a.time_limit)
    t0 = time.perf_counter()
    solver = clarabel.DefaultSolver(P, q, Acl, b, cones, st)
    t1 = time.perf_counter()
    sol = solver.solve()
    t2 = time.perf_counter()
    x = np.asarray(sol.x, float)
    z = np.asarray(sol.z, float)
    y = np.zeros(l.shape[0])
    ne, nh = eq.size, hi.size
    y[eq] = z[:ne]
    y[hi] += z[ne:ne + nh]
    y[lo] -= z[ne + nh:]
    rec = dict(status=str(sol.status), iterations=int(sol.iterations), setup_time=t1 - t0, solve_time=t2 - t1,
               polish_time=None, time=t2 - t0, solver_reported_solve_time=float(sol.solve_time),
               solver_objective=float(sol.obj_val) + r)
    return rec, x, y


def run_piqp(prob, a):
    import numpy as np
    import piqp
    P, q, A, l, u, r = prob
    eq = np.flatnonzero(l == u)
    ineq = np.flatnonzero((l != u) & (np.isfinite(l) | np.isfinite(u)))
    s = piqp.SparseSolver()
    s.settings.verbose = False
    args = [P, q,
            A[eq] if eq.size else None, l[eq] if eq.size else None,
            A[ineq] if ineq.size else None, l[ineq] if ineq.size else None, u[ineq] if ineq.size else None]
    t0 = time.perf_counter()
    s.setup(*args)
    t1 = time.perf_counter()
    status = s.solve()
    t2 = time.perf_counter()
    res = s.result
    x = np.asarray(res.x, float)
    y = np.zeros(l.shape[0])
    if eq.size:
        y[eq] = np.asarray(res.y, float)
    if ineq.size:
        y[ineq] = np.asarray(res.z_u, float) - np.asarray(res.z_l, float)
    name = getattr(status, "name", str(status))
    rec = dict(status=name, iterations=int(res.info.iter), setup_time=t1 - t0, solve_time=t2 - t1,
               polish_time=None, time=t2 - t0, solver_objective=float(res.info.primal_obj) + r)
    return rec, x, y


def run_qpth(prob, a):
    import numpy as np
    import torch
    from qpth.qp import QPFunction
    torch.set_default_dtype(torch.float64)
    P, q, A, l, u, r = prob
    Pd, qd, G, h, Aeq, b = common.split_rows(common.full_from_upper(P), q, A, l, u)
    eq, lo, hi = common.row_sets(l, u)
    if G.shape[0] == 0:
        raise ValueError("qpth needs at least one inequality row (G x ≤ h); this problem has none")
    T = lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True)  # noqa: E731
    Qt, qt, Gt, ht, At, bt = T(Pd), T(qd), T(G), T(h), T(Aeq), T(b)
    fn = QPFunction(verbose=-1)
    t0 = time.perf_counter()
    xt = fn(Qt, qt, Gt, ht, At, bt)
    t1 = time.perf_counter()
    ctx = xt.grad_fn  # the QPFunctionFn context: multipliers of G x ≤ h (lams) and A x = b (nus)
    lams = ctx.lams.detach().numpy().ravel() if ctx.lams is not None else np.zeros(0)
    nus = ctx.nus.detach().numpy().ravel() if (eq.size and ctx.nus is not None and ctx.nus.numel()) else np.zeros(0)
    t2 = time.perf_counter()
    xt.sum().backward()
    t3 = time.perf_counter()
    x = xt.detach().numpy().ravel().copy()
    y = np.zeros(l.shape[0])
    if eq.size:
        y[eq] = nus
    y[lo] -= lams[:lo.size]
    y[hi] += lams[lo.size:]
    finite = bool(np.all(np.isfinite(x)))
    rec = dict(status="completed" if finite else "non-finite x", iterations=None, forward_time=t1 - t0,
               backward_time=t3 - t2, time=(t1 - t0) + (t3 - t2), grad_q_inf=float(qt.grad.abs().max()),
               torch_threads=torch.get_num_threads())
    return rec, x, y


def run_cvxpylayers(prob, a):
    import numpy as np
    import torch
    import cvxpy as cp
    from cvxpylayers.torch import CvxpyLayer
    torch.set_default_dtype(torch.float64)
    P, q, A, l, u, r = prob
    n = q.shape[0]
    Pd, qd, G, h, Aeq, b = common.split_rows(common.full_from_upper(P), q, A, l, u)
    eq, lo, hi = common.row_sets(l, u)
    t0 = time.perf_counter()
    x = cp.Variable(n)
    qp_ = cp.Parameter(n)
    params, values, cons = [qp_], [qd], []
    if G.shape[0]:
        hp = cp.Parameter(G.shape[0])
        cons.append(G @ x <= hp)
        params.append(hp); values.append(h)
    if Aeq.shape[0]:
        bp = cp.Parameter(Aeq.shape[0])
        cons.append(Aeq @ x == bp)
        params.append(bp); values.append(b)
    prob_ = cp.Problem(cp.Minimize(0.5 * cp.quad_form(x, cp.psd_wrap(Pd)) + qp_ @ x), cons)
    layer = CvxpyLayer(prob_, parameters=params, variables=[x] + [c.dual_variables[0] for c in cons])
    canon = time.perf_counter() - t0
    ts = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in values]
    t1 = time.perf_counter()
    outs = layer(*ts)
    t2 = time.perf_counter()
    outs[0].sum().backward()
    t3 = time.perf_counter()
    xs = outs[0].detach().numpy().ravel().copy()
    duals = [o.detach().numpy().ravel() for o in outs[1:]]
    y = np.zeros(l.shape[0])
    k = 0
    if G.shape[0]:
        lam = duals[k]; k += 1
        y[lo] -= lam[:lo.size]
        y[hi] += lam[lo.size:]
    if Aeq.shape[0]:
        y[eq] = duals[k]
    finite = bool(np.all(np.isfinite(xs)))
    rec = dict(status="completed" if finite else "non-finite x", iterations=None, forward_time=t2 - t1,
               backward_time=t3 - t2, time=(t2 - t1) + (t3 - t2), canonicalization_time=canon,
               grad_q_inf=float(ts[0].grad.abs().max()), torch_threads=torch.get_num_threads(),
               layer_solver=str(getattr(layer.ctx, "solver", None)))
    return rec, xs, y


def run_osqp_adjoint(prob, a):
    import numpy as np
    s = _osqp_setup(prob, a, algebra="builtin")
    res = s.solve(raise_error=False)
    rec = _osqp_result(res)
    rec["solver_objective"] += prob.r
    rec["forward_time"] = rec["time"]
    if rec["status"] != "solved":
        rec["error"] = f"failed: forward status {rec['status']} (OSQP's adjoint requires 'solved')"
        return rec, res.x, res.y
    n = prob.q.shape[0]
    t0 = time.perf_counter()
    s.adjoint_derivative_compute(dx=np.ones(n))
    s.adjoint_derivative_get_mat(as_dense=False, dP_as_triu=True)
    dq, dl, du = s.adjoint_derivative_get_vec()
    rec["backward_time"] = time.perf_counter() - t0
    rec["time"] = rec["forward_time"] + rec["backward_time"]
    rec["grad_q_inf"] = float(np.max(np.abs(dq))) if n else 0.0
    return rec, res.x, res.y


RUNNERS = dict(osqp=run_osqp, clarabel=run_clarabel, piqp=run_piqp, qpth=run_qpth,
               cvxpylayers=run_cvxpylayers, osqp_adjoint=run_osqp_adjoint)


def _tiny():
    """2-variable QP with an equality, a lower-only, an upper-only and a two-sided row (warm-up)."""
    import numpy as np
    import scipy.sparse as sp
    from qpb import Problem
    P = sp.csc_matrix(np.array([[2.0, 0.5], [0.0, 1.0]]))
    A = sp.csc_matrix(np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [1.0, -1.0]]))
    return Problem(P, np.array([1.0, -1.0]), A, np.array([1.0, -1.0, -np.inf, -3.0]),
                   np.array([1.0, np.inf, 2.0, 3.0]), 0.0)


def subnormals_flushed():
    """True when this thread's arithmetic flushes subnormals (FTZ/DAZ, e.g. under ftz_shim.so): the
    smallest subnormal times 1 is then 0. Values come through variables, so nothing is folded early."""
    tiny, one = float.fromhex("0x0.0000000000001p-1022"), float(len(" "))
    return tiny * one == 0.0


def child(solver, path, a):
    rec = {"solver": solver, "flush_to_zero_active": subnormals_flushed()}
    try:
        _import(solver)
        RUNNERS[solver](_tiny(), a)  # warm-up: library lazy initialization stays out of the timings
        if common.reset_peak_rss():
            rec["peak_rss_source"] = "VmHWM (child; reset after imports)"
        else:
            rec["peak_rss_source"] = "VmHWM (child; whole process)"
        rec["baseline_rss_mib"] = common.vm_mib("VmRSS")
        from qpb import read_problem
        t0 = time.perf_counter()
        prob = read_problem(path)
        rec["read_time"] = time.perf_counter() - t0
        out, x, y = RUNNERS[solver](prob, a)
        rec.update(out)
        rec["objective"] = common.objective(prob.P, prob.q, prob.r, x)
        rec.update(common.residuals(prob.P, prob.q, prob.A, prob.l, prob.u, x, y, a.eps_abs, a.eps_rel))
    except MemoryError:
        rec["error"] = "out of memory"
    except Exception as e:  # recorded, not hidden
        rec["error"] = f"failed: {type(e).__name__}: {str(e)[:300]}"
    rec["peak_rss_mib"] = common.vm_mib("VmHWM")
    with open(a.child_out, "w") as f:
        json.dump(json_clean(rec), f)


# ---------------------------------------------------------------- parent

def expand(patterns):
    files, seen = [], set()
    for p in patterns:
        hits = sorted(glob.glob(p)) if glob.has_magic(p) else [p]
        if not hits:
            print(f"warning: no file matches {p!r}", file=sys.stderr)
        for h in hits:
            k = os.path.realpath(h)
            if k not in seen:
                seen.add(k)
                files.append(h)
    return files


def fmt_s(t):
    if t is None:
        return "–"
    return f"{t:.2f} s" if t >= 1 else f"{1000 * t:.3g} ms"


def csv_list(s, allowed, what):
    items = [x.strip() for x in s.split(",") if x.strip()]
    bad = [x for x in items if x not in allowed]
    if bad:
        raise SystemExit(f"unknown {what}: {', '.join(bad)} (valid: {', '.join(allowed)})")
    return items


def main():
    ap = argparse.ArgumentParser(description="Peer solvers on .qpb/QPS files (see the module docstring).")
    ap.add_argument("files", nargs="*", help="problem files or globs (.qpb, .qps)")
    ap.add_argument("--out", help="output JSON (required unless --child)")
    ap.add_argument("--solvers", default="osqp,clarabel,piqp")
    ap.add_argument("--layers", default="", help="comma list of qpth,cvxpylayers,osqp_adjoint (default none)")
    ap.add_argument("--layers-max-n", type=int, default=2000)
    ap.add_argument("--eps-abs", type=float, default=1e-3)
    ap.add_argument("--eps-rel", type=float, default=1e-3)
    ap.add_argument("--max-iter", type=int, default=4000)
    ap.add_argument("--polish", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--time-limit", type=float, default=120.0, help="seconds per (solver, problem)")
    ap.add_argument("--grace", type=float, default=30.0, help="child killed after time limit + grace")
    ap.add_argument("--flush-to-zero", choices=FTZ_MODES, default="off",
                    help="run each peer as shipped (off), under the flush-to-zero shim ftz_shim.so (on), or both "
                         "(two records per solver and problem; the shim's are named SOLVER+ftz)")
    ap.add_argument("--child", nargs=2, metavar=("SOLVER", "FILE"), help=argparse.SUPPRESS)
    ap.add_argument("--child-out", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.child[0], a.child[1], a)
        return 0
    if not a.out:
        ap.error("--out FILE.json is required")
    solvers = csv_list(a.solvers, FORWARD, "solver")
    layers = csv_list(a.layers, LAYERS, "layer")
    files = expand(a.files)
    if not files:
        ap.error("no problem files")
    if not solvers and not layers:
        ap.error("nothing to run (--solvers and --layers both empty)")

    variants = {"off": [False], "on": [True], "both": [False, True]}[a.flush_to_zero]
    if True in variants and not os.path.exists(FTZ_SHIM):
        ap.error(f"{FTZ_SHIM} not found: build it with bash Benchmarks/peers/setup.sh")
    ftz_env = dict(os.environ, LD_PRELOAD=" ".join(x for x in (FTZ_SHIM, os.environ.get("LD_PRELOAD", "")) if x))

    from qpb import problem_dims
    doc = dict(tool="peers", date=common.utc_now(), machine=common.machine(), versions=common.versions(PACKAGES),
               command=common.command_line(),
               settings=dict(eps_abs=a.eps_abs, eps_rel=a.eps_rel, max_iter=a.max_iter, polish=bool(a.polish),
                             time_limit=a.time_limit, grace=a.grace, solvers=solvers, layers=layers,
                             layers_max_n=a.layers_max_n, torch_threads=None, flush_to_zero=a.flush_to_zero,
                             ftz_shim=FTZ_SHIM if True in variants else None),
               results=[])
    jobs = [(s, f, ftz) for f in files for s in solvers + layers for ftz in variants]
    passthrough = ["--eps-abs", repr(a.eps_abs), "--eps-rel", repr(a.eps_rel), "--max-iter", str(a.max_iter),
                   "--polish" if a.polish else "--no-polish", "--time-limit", repr(a.time_limit)]
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    dims_cache = {}
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="peers-suite-") as tmp:
        result_file = os.path.join(tmp, "child.json")
        for k, (solver, path, ftz) in enumerate(jobs, 1):
            stem = file_stem(path)
            rec = dict.fromkeys(RECORD_KEYS)
            rec.update(problem=stem, file=path, solver=solver + FTZ_SUFFIX if ftz else solver,
                       kind="layer" if solver in LAYERS else "forward", verified=False, flush_to_zero=ftz)
            rec.update(parse_problem_name(stem))
            if path not in dims_cache:
                try:
                    dims_cache[path] = problem_dims(path)
                except Exception as e:
                    dims_cache[path] = f"failed: {type(e).__name__}: {str(e)[:300]}"
            dims = dims_cache[path]
            if isinstance(dims, str):
                rec.update(status="error", error=dims)
            else:
                rec.update(dims)
                if rec["kind"] == "layer" and dims["n"] > a.layers_max_n:
                    rec.update(status="skipped", error=f"skipped: n > max (n = {dims['n']} > {a.layers_max_n})")
                else:
                    argv = [sys.executable, os.path.abspath(__file__), "--child", solver, path,
                            "--child-out", result_file] + passthrough
                    got, err, info = common.run_child(argv, a.time_limit + a.grace, result_file,
                                                      env=ftz_env if ftz else None)
                    if got:
                        rec.update({kk: v for kk, v in got.items() if kk not in ("problem", "file", "solver")})
                    rec["wall_time"] = info["wall_time"]
                    if rec.get("peak_rss_mib") is None:  # the child died before reporting VmHWM
                        rec["peak_rss_mib"] = info["ru_maxrss_mib"]
                        rec["peak_rss_source"] = "wait4 ru_maxrss (child, whole life incl. the pre-exec fork of the parent)"
                    if rec.get("torch_threads") and not doc["settings"]["torch_threads"]:
                        doc["settings"]["torch_threads"] = rec["torch_threads"]
                    if err and err != rec.get("error"):
                        rec["error"] = err
                    if err and (got is None or err in ("timeout", "out of memory")):
                        rec["status"] = err.split(":")[0]
                        rec["verified"] = False
                    if rec.get("error") is None:
                        st = str(rec.get("status") or "").lower()
                        if (rec.get("time") or 0) > a.time_limit:
                            rec["error"] = f"timeout: took {rec['time']:.3g} s > limit {a.time_limit:g} s"
                        elif "time limit" in st or "maxtime" in st or "time_limit" in st:
                            rec["error"] = f"timeout: solver stopped on its time limit ({rec['status']})"
            if rec.get("status") is None:  # no status from a solver: "failed" / "timeout" / ...
                rec["status"] = rec["error"].split(":")[0] if rec.get("error") else "error"
            doc["results"].append(json_clean(rec))
            with open(a.out, "w") as f:
                json.dump(doc, f, indent=1)
            elapsed = time.perf_counter() - t_start
            eta = elapsed / k * (len(jobs) - k)
            tag = rec["status"] + (" verified" if rec.get("verified") else " NOT verified") if not rec.get("error") \
                else f"{rec['status']} [{rec['error'][:80]}]"
            print(f"[{k}/{len(jobs)}] {rec['solver']} {stem} {tag} {fmt_s(rec.get('time'))} | elapsed {fmt_s(elapsed)} "
                  f"ETA {fmt_s(eta)}", file=sys.stderr, flush=True)
    print(f"wrote {a.out} ({len(doc['results'])} results)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
