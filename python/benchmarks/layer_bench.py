"""Forward + backward of QP layers, side by side on torch CPU: SparseQP's QPLayer, qpth (batched,
dense), cvxpylayers (diffcp), and OSQP's own adjoint (osqp.OSQP.adjoint_derivative_compute, one
problem at a time). Peers that are not installed are reported as such.

    python python/benchmarks/layer_bench.py [--quick] [--markdown out.md]

Workload: minimize ½xᵀPx + qᵀx s.t. l ≤ Ax ≤ u, loss = Σ x*, gradients w.r.t. q, l, u (every
layer) and the values of P and A (SparseQP, qpth). Batch: 128 QPs with n = 500, m = 250, in a
dense-ish class (density 0.05 in P's factor and A) and a sparse class (density 0.002); single QPs
at n = 10³, 10⁴, 10⁵, m = n/2, banded (P = MᵀM + 0.1I and A with entries within 20 of the diagonal). All solvers at eps 1e-6 (qpth: its own stopping rule). A peer
is not run at a size where its dense matrices alone would need more than --dense-limit-gb.

Every peer gets the same problem: l and u are finite and l < u in every row, so qpth's form Gx ≤ h with
G = [A; −A], h = [u; −l] (no equality rows) is the same feasible set. Each peer's x* is compared with
SparseQP's (max |x − x_SparseQP| over the batch) so that the times are for the same answers.

qpth on torch CPU with more than one thread: torch's batched `linalg.lu_factor` (CPU, MKL) splits the
batch over the threads and calls MKL's dgetrf concurrently, which corrupts the factors of the matrices
of one thread (pivots 0 or garbage, "Intel oneMKL ERROR: Parameter 6 was incorrect on entry to
DLASWP", then lu_solve's "pivots must be >= 1"); pytorch/pytorch#142815, fix proposed in
pytorch/pytorch#181570 (run the batch of a large-matrix LU on one thread). It is reported for order
151 and happens here at 500 on random well-conditioned matrices (not at 50): not the problem data. The benchmark
applies that fix to qpth's own batched LU (`qpth.solvers.pdipm.batch.lu_hack`): the same
`torch.linalg.lu_factor` call on the whole batch, under `torch.set_num_threads(1)`; everything else in
qpth keeps both threads. qpth's algorithm, data and stopping rule are unchanged.
"""
import argparse
import importlib.metadata
import os
import platform
import time

import numpy as np
import scipy.sparse as sp
import torch


# SparseQP's `method` setting (--method).
METHOD = "auto"


def banded(rows, cols, per_row, width, rng):
    """Random entries near the diagonal (|j − i·cols/rows| ≤ width): sparse factors stay sparse."""
    i = np.repeat(np.arange(rows), per_row)
    j = np.clip((i * cols) // rows + rng.integers(-width, width + 1, i.size), 0, cols - 1)
    return sp.csc_matrix((rng.standard_normal(i.size), (i, j)), shape=(rows, cols))


def problem(n, m, density, seed, structured=False):
    """Random QP. `structured`: banded P and A (the large single problems; random sparse P = MᵀM and
    random A fill their factors almost densely, which measures fill-in rather than the layers)."""
    rng = np.random.default_rng(seed)
    if structured:
        M = banded(n, n, 3, 20, rng)
        A0 = banded(m, n, 4, 20, rng)
    else:
        M = sp.random(n, n, density=density, random_state=rng)
        A0 = sp.random(m, n, density=density, random_state=rng)
    P = sp.triu(M.T @ M + 0.1 * sp.eye(n), format="csc")
    A = sp.csc_matrix(A0 + sp.eye(m, n))
    x0 = rng.standard_normal(n)
    l = A @ x0 - rng.uniform(0.1, 1, m)
    u = A @ x0 + rng.uniform(0.1, 1, m)
    qs = rng.standard_normal((128, n))
    return P, A, l, u, qs


def bench_sparseqp(P, A, l, u, qs, eps):
    """Seconds of forward + backward, and x* (batch × n)."""
    from sparseqp.torch import QPLayer
    layer = QPLayer(P, A, eps_abs=eps, eps_rel=eps, allow_ambiguous=True, method=METHOD)
    Pv = torch.tensor(layer.P_pattern.data, requires_grad=True)
    Av = torch.tensor(layer.A_pattern.data, requires_grad=True)
    q = torch.tensor(qs, requires_grad=True)
    lt, ut = torch.tensor(l, requires_grad=True), torch.tensor(u, requires_grad=True)
    t = time.perf_counter()
    x = layer(Pv, q, Av, lt, ut)
    x.sum().backward()
    return time.perf_counter() - t, x.detach().numpy()


def serial_batched_lu(x, pivot=True):
    """torch.linalg.lu_factor on the whole batch with one torch thread: the fix of
    pytorch/pytorch#181570 (concurrent MKL dgetrf calls on a split batch corrupt the factors)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return torch.linalg.lu_factor(x, pivot=pivot)
    finally:
        torch.set_num_threads(threads)


def qpth_lu(x):
    """qpth's lu_hack (CPU branch) with the batched LU made thread-safe; nothing else changed."""
    if x.is_cuda:
        raise ValueError("this benchmark runs qpth on the CPU only")
    return serial_batched_lu(x)


def bench_qpth(P, A, l, u, qs, eps):
    from qpth.qp import QPFunction, QPSolvers
    from qpth.solvers.pdipm import batch as pdipm_batch
    Pd = (P + sp.triu(P, 1).T).toarray()
    Ad = A.toarray()
    Q = torch.tensor(Pd, requires_grad=True)
    G = torch.tensor(np.vstack([Ad, -Ad]), requires_grad=True)
    h = torch.tensor(np.r_[u, -l], requires_grad=True)
    q = torch.tensor(qs, requires_grad=True)
    e = torch.empty(0, dtype=torch.float64)
    original = pdipm_batch.lu_hack
    pdipm_batch.lu_hack = qpth_lu if torch.get_num_threads() > 1 else original
    try:
        t = time.perf_counter()
        x = QPFunction(verbose=-1, eps=eps, maxIter=50, solver=QPSolvers.PDIPM_BATCHED)(Q, q, G, h, e, e)
        x.sum().backward()
        return time.perf_counter() - t, x.detach().numpy()
    finally:
        pdipm_batch.lu_hack = original


def bench_cvxpylayers(P, A, l, u, qs, eps):
    import cvxpy as cp
    from cvxpylayers.torch import CvxpyLayer
    n = P.shape[0]
    Pf = sp.csc_matrix(P + sp.triu(P, 1).T)
    x = cp.Variable(n)
    qp, lp, up = cp.Parameter(n), cp.Parameter(len(l)), cp.Parameter(len(u))
    prob = cp.Problem(cp.Minimize(0.5 * cp.quad_form(x, cp.psd_wrap(Pf)) + qp @ x), [A @ x <= up, A @ x >= lp])
    layer = CvxpyLayer(prob, parameters=[qp, lp, up], variables=[x])
    q = torch.tensor(qs, requires_grad=True)
    lt = torch.tensor(np.tile(l, (len(qs), 1)), requires_grad=True)
    ut = torch.tensor(np.tile(u, (len(qs), 1)), requires_grad=True)
    t = time.perf_counter()
    x = layer(q, lt, ut, solver_args={"eps": eps})[0]
    x.sum().backward()
    return time.perf_counter() - t, x.detach().numpy()


def bench_osqp(P, A, l, u, qs, eps):
    import osqp
    xs = []
    t = time.perf_counter()
    for q in qs:
        s = osqp.OSQP()
        s.setup(P, q, A, l, u, eps_abs=eps, eps_rel=eps, verbose=False, polishing=True, max_iter=100000)
        r = s.solve(raise_error=False)
        s.adjoint_derivative_compute(dx=np.ones(P.shape[0]))
        s.adjoint_derivative_get_vec()
        s.adjoint_derivative_get_mat()
        xs.append(np.array(r.x))
    return time.perf_counter() - t, np.array(xs)


PEERS = {"sparseqp": bench_sparseqp, "qpth": bench_qpth, "cvxpylayers": bench_cvxpylayers, "osqp": bench_osqp}
DENSE = {"qpth", "cvxpylayers"}  # qpth holds dense P, A per batch element; cvxpylayers here is given a dense-free
                                 # sparse P but its canonicalization and diffcp's derivative scale with it


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def version(package):
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--markdown")
    ap.add_argument("--dense-limit-gb", type=float, default=4.0)
    ap.add_argument("--timeout-s", type=float, default=300.0,
                    help="a peer slower than this on a single QP is not run on the larger single QPs (the batch cases all run)")
    ap.add_argument("--qpth-eps", type=float, help="qpth's eps (its own stopping rule on residuals + nineq·μ); default: the common eps")
    ap.add_argument("--cases", choices=["all", "batch", "single"], default="all")
    ap.add_argument("--peers", default=",".join(PEERS), help="comma-separated subset of " + ",".join(PEERS))
    ap.add_argument("--sizes", default="1000,10000,100000", help="n of the single QPs")
    ap.add_argument("--method", default="auto", choices=["auto", "admm", "interior_point"],
                    help="SparseQP's method run first (default: the library's, auto)")
    args = ap.parse_args()
    global METHOD
    METHOD = args.method
    torch.set_num_threads(2)
    eps = 1e-6
    cases = [("batch 128, n = 500, dense-ish", 500, 250, 0.05, 128), ("batch 128, n = 500, sparse", 500, 250, 0.002, 128)]
    sizes = [int(v) for v in args.sizes.split(",")] if not args.quick else [1000]
    selected = args.peers.split(",")
    singles = [(f"single, n = {n:,}", n, n // 2, 0.0, 1) for n in sizes]
    cases = {"all": cases + singles, "batch": cases, "single": singles}[args.cases]
    if args.quick:
        cases = [(f"{name} (quick: n/5, batch ≤ 8)", n // 5, m // 5, d, min(b, 8)) for name, n, m, d, b in cases]
    available = {}
    for name in PEERS:
        try:
            __import__({"sparseqp": "sparseqp", "qpth": "qpth", "cvxpylayers": "cvxpylayers", "osqp": "osqp"}[name])
            available[name] = True
        except ImportError:
            available[name] = False
    print(f"machine: {cpu_model()}, {os.cpu_count()} CPUs, torch {torch.__version__}, threads 2; "
          + ", ".join(f"{p} {version(p)}" for p in ("qpth", "cvxpylayers", "cvxpy", "osqp") if available.get(p, True)))
    print(f"eps {eps} (qpth: {args.qpth_eps or eps}); cells: seconds of forward + backward "
          "(peer / SparseQP ×, max |x − x_SparseQP| over the batch)")
    rows, too_slow = [], set()
    for label, n, m, density, batch in cases:
        P, A, l, u, qs = problem(n, m, density, seed=n, structured=label.startswith("single"))
        qs = qs[:batch]
        row = {"case": label}
        reference = None  # SparseQP's (seconds, x*), run first: the peers' ratios and Δx are against it
        for name, fn in PEERS.items():
            dense_gb = batch * (n * n + 2 * m * n) * 8 / 1e9 if name == "qpth" else 0
            if name not in selected:
                row[name] = "not selected"
            elif not available[name]:
                row[name] = "not installed"
            elif name in too_slow:
                row[name] = "not run (slower than the cap at a smaller size)"
            elif dense_gb > args.dense_limit_gb:
                row[name] = f"not run (dense data {dense_gb:.0f} GB)"
            else:
                try:
                    seconds, x = fn(P, A, l, u, qs, args.qpth_eps if name == "qpth" and args.qpth_eps else eps)
                    row[name] = f"{seconds:.3f} s"
                    if name == "sparseqp":
                        reference = (seconds, x)
                    elif reference is not None:
                        row[name] += f" ({seconds / reference[0]:.1f}×, Δx {np.abs(x - reference[1]).max():.1e})"
                    if seconds > args.timeout_s and label.startswith("single"):
                        too_slow.add(name)
                except Exception as e:  # a peer's failure is reported, not fatal
                    row[name] = f"failed: {type(e).__name__}: {str(e)[:60]}"
            print(f"{label:32s} {name:12s} {row[name]}", flush=True)
        rows.append(row)
    header = "| case | " + " | ".join(PEERS) + " |\n|" + " --- |" * (len(PEERS) + 1) + "\n"
    table = header + "".join("| " + " | ".join([r["case"]] + [r[p] for p in PEERS]) + " |\n" for r in rows)
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table)


if __name__ == "__main__":
    main()
