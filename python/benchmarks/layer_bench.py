"""Forward + backward of QP layers, side by side on torch CPU: SparseQP's QPLayer, qpth (batched,
dense), cvxpylayers (diffcp), and OSQP's own adjoint (osqp.OSQP.adjoint_derivative_compute, one
problem at a time). Peers that are not installed are reported as such.

    python python/benchmarks/layer_bench.py [--quick] [--markdown out.md]

Workload: minimize ½xᵀPx + qᵀx s.t. l ≤ Ax ≤ u, loss = Σ x*, gradients w.r.t. q, l, u (every
layer) and the values of P and A (SparseQP, qpth). Batch: 128 QPs with n = 500, m = 250, in a
dense-ish class (density 0.05 in P's factor and A) and a sparse class (density 0.002); single QPs
at n = 10³, 10⁴, 10⁵, m = n/2, banded (P = MᵀM + 0.1I and A with entries within 20 of the diagonal). All solvers at eps 1e-6 (qpth: its own stopping rule). A peer
is not run at a size where its dense matrices alone would need more than --dense-limit-gb.
"""
import argparse
import platform
import time

import numpy as np
import scipy.sparse as sp
import torch


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
    from sparseqp.torch import QPLayer
    layer = QPLayer(P, A, eps_abs=eps, eps_rel=eps, allow_ambiguous=True)
    Pv = torch.tensor(layer.P_pattern.data, requires_grad=True)
    Av = torch.tensor(layer.A_pattern.data, requires_grad=True)
    q = torch.tensor(qs, requires_grad=True)
    lt, ut = torch.tensor(l, requires_grad=True), torch.tensor(u, requires_grad=True)
    t = time.perf_counter()
    layer(Pv, q, Av, lt, ut).sum().backward()
    return time.perf_counter() - t


def bench_qpth(P, A, l, u, qs, eps):
    from qpth.qp import QPFunction, QPSolvers
    Pd = (P + sp.triu(P, 1).T).toarray()
    Ad = A.toarray()
    Q = torch.tensor(Pd, requires_grad=True)
    G = torch.tensor(np.vstack([Ad, -Ad]), requires_grad=True)
    h = torch.tensor(np.r_[u, -l], requires_grad=True)
    q = torch.tensor(qs, requires_grad=True)
    e = torch.empty(0, dtype=torch.float64)
    t = time.perf_counter()
    QPFunction(verbose=-1, eps=eps, maxIter=50, solver=QPSolvers.PDIPM_BATCHED)(Q, q, G, h, e, e).sum().backward()
    return time.perf_counter() - t


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
    layer(q, lt, ut, solver_args={"eps": eps})[0].sum().backward()
    return time.perf_counter() - t


def bench_osqp(P, A, l, u, qs, eps):
    import osqp
    t = time.perf_counter()
    for q in qs:
        s = osqp.OSQP()
        s.setup(P, q, A, l, u, eps_abs=eps, eps_rel=eps, verbose=False, polishing=True, max_iter=100000)
        r = s.solve(raise_error=False)
        s.adjoint_derivative_compute(dx=np.ones(P.shape[0]))
        s.adjoint_derivative_get_vec()
        s.adjoint_derivative_get_mat()
        del r
    return time.perf_counter() - t


PEERS = {"sparseqp": bench_sparseqp, "qpth": bench_qpth, "cvxpylayers": bench_cvxpylayers, "osqp": bench_osqp}
DENSE = {"qpth", "cvxpylayers"}  # qpth holds dense P, A per batch element; cvxpylayers here is given a dense-free
                                 # sparse P but its canonicalization and diffcp's derivative scale with it


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--markdown")
    ap.add_argument("--dense-limit-gb", type=float, default=4.0)
    ap.add_argument("--timeout-s", type=float, default=300.0, help="a peer slower than this at a size is not run above it")
    ap.add_argument("--cases", choices=["all", "batch", "single"], default="all")
    ap.add_argument("--peers", default=",".join(PEERS), help="comma-separated subset of " + ",".join(PEERS))
    ap.add_argument("--sizes", default="1000,10000,100000", help="n of the single QPs")
    args = ap.parse_args()
    torch.set_num_threads(2)
    eps = 1e-6
    cases = [("batch 128, n = 500, dense-ish", 500, 250, 0.05, 128), ("batch 128, n = 500, sparse", 500, 250, 0.002, 128)]
    sizes = [int(v) for v in args.sizes.split(",")] if not args.quick else [1000]
    selected = args.peers.split(",")
    singles = [(f"single, n = {n:,}", n, n // 2, 0.0, 1) for n in sizes]
    cases = {"all": cases + singles, "batch": cases, "single": singles}[args.cases]
    if args.quick:
        cases = [(name, n // 5, m // 5, d, min(b, 8)) for name, n, m, d, b in cases]
    available = {}
    for name in PEERS:
        try:
            __import__({"sparseqp": "sparseqp", "qpth": "qpth", "cvxpylayers": "cvxpylayers", "osqp": "osqp"}[name])
            available[name] = True
        except ImportError:
            available[name] = False
    print(f"machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, threads 2")
    rows, too_slow = [], set()
    for label, n, m, density, batch in cases:
        P, A, l, u, qs = problem(n, m, density, seed=n, structured=label.startswith("single"))
        qs = qs[:batch]
        row = {"case": label}
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
                    seconds = fn(P, A, l, u, qs, eps)
                    row[name] = f"{seconds:.3f} s"
                    if seconds > args.timeout_s:
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
