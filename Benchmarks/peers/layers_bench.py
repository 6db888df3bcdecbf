#!/usr/bin/env python3
"""Forward+backward of differentiable QP layers (qpth, cvxpylayers; torch CPU, float64) on small
dense-ish QPs, next to SparseQP (BackwardBench --qps on the same QPS files).

Problems (numpy seed 7 + n, written once as QPS by `--generate DIR`, then read back by everyone):
    P = MᵀM + 1e-2·I, M n×n with density min(1, 20/n); q ~ U(−10, 10)
    A: m = n/2 rows, density min(1, 20/n); rows cycle equality / lower-only / upper-only /
       two-sided around A·x0, x0 ~ U(−1, 1)
Loss L = sum(x*), i.e. dx = ones, dy = 0. Timed: one forward + backward call (layer construction /
canonicalization excluded and reported apart), median of 3; a call over 30 s is not repeated.
Each (tool, problem) runs in a child process; per-call limit `--timeout` seconds (SIGALRM), and the
child is killed after 2·timeout + 120 s. Failures are recorded as "failed: <reason>", "timeout",
"out of memory".

    qpth:        QPFunction(verbose=-1) defaults (PDIPM batched, eps 1e-12, maxIter 20), Q, p, G, h,
                 A, b all requiring grad; G, h from the one-sided parts of the rows (l ≤ a x → −a x ≤ −l).
    cvxpylayers: CvxpyLayer (default solver: diffcp), parameters q, h (inequality rhs), b (equality
                 rhs); P, G, A constants; objective ½ quad_form(x, psd_wrap(P)) + qᵀx.

Usage:
  PY=Benchmarks/peers/.venv/bin/python
  $PY Benchmarks/peers/layers_bench.py --generate DIR [--sizes 100,500,2000]
  $PY Benchmarks/peers/layers_bench.py DIR/layers_n*.qps [--tools qpth,cvxpylayers] [--timeout 300]
      [--sparseqp Benchmarks/results/layers-sparseqp.json] [--out Benchmarks/results/layers-bench.json]
"""
import argparse, datetime, json, os, signal, statistics, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from common import machine, split_rows  # noqa: E402


# ---------------------------------------------------------------- problems

def generate(n, seed):
    import numpy as np
    import scipy.sparse as sp
    rng = np.random.default_rng(seed)
    d = min(1.0, 20.0 / n)
    M = sp.random(n, n, density=d, random_state=rng, data_rvs=lambda k: rng.uniform(-1, 1, k), format="csc")
    P = (M.T @ M + 1e-2 * sp.eye(n)).tocsc()
    m = n // 2
    A = sp.random(m, n, density=d, random_state=rng, data_rvs=lambda k: rng.uniform(-1, 1, k), format="csc")
    x0 = rng.uniform(-1, 1, n)
    ax = A @ x0
    l = np.empty(m); u = np.empty(m)
    for i in range(m):
        k = i % 4
        if k == 0: l[i] = u[i] = ax[i]
        elif k == 1: l[i] = ax[i] - rng.uniform(0, 1); u[i] = np.inf
        elif k == 2: l[i] = -np.inf; u[i] = ax[i] + rng.uniform(0, 1)
        else: l[i] = ax[i] - rng.uniform(0.1, 0.5); u[i] = ax[i] + rng.uniform(0.1, 0.5)
    q = rng.uniform(-10, 10, n)
    return P, q, A.tocsc(), l, u


def write_qps(path, name, P, q, A, l, u):
    """Free QPS in BackwardBench's layout: rows R1..Rm, columns C1..Cn all free, QUADOBJ lower triangle."""
    import numpy as np
    import scipy.sparse as sp
    n, m = len(q), len(l)
    out = [f"NAME          {name}", "ROWS", " N  obj"]
    rhs, rng_ = [], []
    for i in range(m):
        if l[i] == u[i]: out.append(f" E  R{i+1}"); rhs.append(l[i])
        elif np.isinf(l[i]): out.append(f" L  R{i+1}"); rhs.append(u[i])
        elif np.isinf(u[i]): out.append(f" G  R{i+1}"); rhs.append(l[i])
        else: out.append(f" G  R{i+1}"); rhs.append(l[i]); rng_.append((i, u[i] - l[i]))
    out.append("COLUMNS")
    A = A.tocsc(); A.sort_indices()
    for j in range(n):
        out.append(f"    C{j+1}  obj  {q[j]!r}")
        for p in range(A.indptr[j], A.indptr[j + 1]):
            out.append(f"    C{j+1}  R{A.indices[p]+1}  {A.data[p]!r}")
    out.append("RHS")
    out += [f"    RHS  R{i+1}  {v!r}" for i, v in enumerate(rhs) if v != 0]
    if rng_:
        out.append("RANGES")
        out += [f"    RNG  R{i+1}  {r!r}" for i, r in rng_]
    out.append("BOUNDS")
    out += [f" FR BND  C{j+1}" for j in range(n)]
    out.append("QUADOBJ")
    Pu = sp.triu(P, format="csc"); Pu.sort_indices()
    for j in range(n):
        for p in range(Pu.indptr[j], Pu.indptr[j + 1]):
            out.append(f"    C{j+1}  C{Pu.indices[p]+1}  {Pu.data[p]!r}")
    out.append("ENDATA")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


# ---------------------------------------------------------------- child

class CallTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise CallTimeout()


def child(tool, path, timeout):
    import numpy as np
    import torch
    from qps import read_qps
    torch.set_default_dtype(torch.float64)
    qp = read_qps(path)
    Pd, q, G, h, Aeq, b = split_rows(qp.P_full, qp.q, qp.A, qp.l, qp.u)
    n = len(q)
    rec = dict(tool=tool, name=os.path.splitext(os.path.basename(path))[0], n=n, m=int(qp.A.shape[0]),
               torch_threads=torch.get_num_threads())
    signal.signal(signal.SIGALRM, _alarm)
    t = lambda a, g=False: torch.tensor(a, dtype=torch.float64, requires_grad=g)
    if tool == "qpth":
        import qpth
        from qpth.qp import QPFunction
        rec["version"] = getattr(qpth, "__version__", "0.0.18")
        fn = QPFunction(verbose=-1)
        Qt, qt, Gt, ht, At, bt = t(Pd, True), t(q, True), t(G, True), t(h, True), t(Aeq, True), t(b, True)
        rec["build_s"] = 0.0

        def call():
            for v in (Qt, qt, Gt, ht, At, bt):
                v.grad = None
            x = fn(Qt, qt, Gt, ht, At, bt)
            x.sum().backward()
            return x.detach().numpy().ravel(), qt.grad.numpy().ravel().copy()
    elif tool == "cvxpylayers":
        import cvxpy as cp
        import cvxpylayers
        from cvxpylayers.torch import CvxpyLayer
        rec["version"] = cvxpylayers.__version__ if hasattr(cvxpylayers, "__version__") else "1.0.4"
        signal.alarm(int(timeout))
        t0 = time.perf_counter()
        x = cp.Variable(n)
        qp_, hp, bp = cp.Parameter(n), cp.Parameter(len(h)), cp.Parameter(len(b))
        obj = 0.5 * cp.quad_form(x, cp.psd_wrap(Pd)) + qp_ @ x
        prob = cp.Problem(cp.Minimize(obj), [G @ x <= hp, Aeq @ x == bp])
        layer = CvxpyLayer(prob, parameters=[qp_, hp, bp], variables=[x])
        signal.alarm(0)
        rec["build_s"] = time.perf_counter() - t0
        qt, ht, bt = t(q, True), t(h, True), t(b, True)

        def call():
            for v in (qt, ht, bt):
                v.grad = None
            (xs,) = layer(qt, ht, bt)
            xs.sum().backward()
            return xs.detach().numpy().ravel(), qt.grad.numpy().ravel().copy()
    else:
        raise ValueError(tool)
    times = []
    for _ in range(3):
        signal.alarm(int(timeout))
        t0 = time.perf_counter()
        xs, dq = call()
        dt = time.perf_counter() - t0
        signal.alarm(0)
        times.append(dt)
        if dt > 30:
            break
    rec["forward_backward_s"] = statistics.median(times)
    rec["runs_s"] = times
    rec["objective"] = qp.objective(xs)
    rec["dq_inf"] = float(np.max(np.abs(dq)))
    np.savetxt(path[:-4] + f".{tool}.dq", dq)
    return rec


# ---------------------------------------------------------------- parent

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*")
    ap.add_argument("--generate")
    ap.add_argument("--sizes", default="100,500,2000")
    ap.add_argument("--tools", default="qpth,cvxpylayers")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--child", nargs=2, metavar=("TOOL", "FILE"))
    ap.add_argument("--sparseqp", help="BackwardBench JSON from --qps on the same files")
    ap.add_argument("--out", default=os.path.join(HERE, "..", "results", "layers-bench.json"))
    ap.add_argument("--md", default=os.path.join(HERE, "..", "results", "layers-bench.md"))
    a = ap.parse_args()
    if a.generate:
        os.makedirs(a.generate, exist_ok=True)
        for n in [int(s) for s in a.sizes.split(",")]:
            path = os.path.join(a.generate, f"layers_n{n}.qps")
            write_qps(path, f"layers_n{n}", *generate(n, 7 + n))
            print("wrote", path, file=sys.stderr)
        return
    if a.child:
        try:
            rec = child(a.child[0], a.child[1], a.timeout)
        except CallTimeout:
            rec = dict(tool=a.child[0], error=f"timeout (> {a.timeout:.0f} s per call)")
        except MemoryError:
            rec = dict(tool=a.child[0], error="out of memory")
        except Exception as e:  # recorded, not hidden
            rec = dict(tool=a.child[0], error=f"failed: {type(e).__name__}: {str(e)[:300]}")
        print(json.dumps(rec))
        return
    import numpy as np
    results = []
    for f in a.files:
        for tool in a.tools.split(","):
            name = os.path.splitext(os.path.basename(f))[0]
            t0 = time.perf_counter()
            try:
                p = subprocess.run([sys.executable, __file__, "--child", tool, f, "--timeout", str(a.timeout)],
                                   capture_output=True, text=True, timeout=2 * a.timeout + 120)
                if p.returncode == 0 and p.stdout.strip():
                    rec = json.loads(p.stdout.strip().splitlines()[-1])
                elif p.returncode in (-9, 137):
                    rec = dict(tool=tool, error="out of memory (killed)")
                else:
                    err = p.stderr.strip().splitlines()
                    rec = dict(tool=tool, error=f"failed: {err[-1] if err else 'exit %d' % p.returncode}")
            except subprocess.TimeoutExpired:
                rec = dict(tool=tool, error="timeout (child killed)")
            rec.setdefault("name", name)
            rec["child_wall_s"] = time.perf_counter() - t0
            dqf = f[:-4] + f".{tool}.dq"
            ours = os.path.join(os.path.dirname(f), f"{name}_eps1e-06.dq")
            if "error" not in rec and os.path.exists(ours) and os.path.exists(dqf):
                d1, d2 = np.loadtxt(dqf), np.loadtxt(ours)
                rec["dq_rel_diff_vs_sparseqp_1e-6"] = float(np.max(np.abs(d1 - d2)) / max(1e-300, np.max(np.abs(d2))))
            print(json.dumps({k: v for k, v in rec.items() if k != "runs_s"}), file=sys.stderr, flush=True)
            results.append(rec)
    out = dict(date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), machine=machine(),
               command=" ".join([os.path.relpath(sys.executable)] + sys.argv), results=results)
    with open(a.out, "w") as fh:
        json.dump(out, fh, indent=1)
    # Table, with SparseQP from BackwardBench --qps (forward = setup + solve + polish, backward = kkt 1st).
    ours = {}
    if a.sparseqp and os.path.exists(a.sparseqp):
        for r in json.load(open(a.sparseqp))["results"]:
            ours[(r["name"], float(r["eps"]))] = r
    names = sorted({r["name"] for r in results}, key=lambda s: int(s.split("_n")[-1]) if "_n" in s else 0)
    lines = ["| problem | n | m | SparseQP f+b ms eps 1e-3 | SparseQP f+b ms eps 1e-6 | qpth f+b ms | qpth / SparseQP(1e-6) | cvxpylayers f+b ms (build s) | cvxpylayers / SparseQP(1e-6) | dq rel. diff vs SparseQP 1e-6 (qpth / cvxpylayers) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for nm in names:
        rs = {r["tool"]: r for r in results if r["name"] == nm}
        s3, s6 = ours.get((nm, 1e-3)), ours.get((nm, 1e-6))
        f3 = s3 and s3.get("forward_plus_backward_s"); f6 = s6 and s6.get("forward_plus_backward_s")
        def cell(tool):
            r = rs.get(tool)
            if r is None: return "not run", "–"
            if "error" in r: return r["error"], "–"
            v = r["forward_backward_s"]
            extra = f" ({r['build_s']:.3g} s)" if tool == "cvxpylayers" else ""
            return f"{1000*v:.4g}{extra}", (f"{v / f6:.3g}×" if f6 else "–")
        qa, qr = cell("qpth"); ca, cr = cell("cvxpylayers")
        n_ = next((r.get("n") for r in rs.values() if r.get("n")), s6 and s6["n"])
        m_ = next((r.get("m") for r in rs.values() if r.get("m")), s6 and s6["m"])
        dd = " / ".join(f"{rs[t]['dq_rel_diff_vs_sparseqp_1e-6']:.1e}" if t in rs and "dq_rel_diff_vs_sparseqp_1e-6" in rs[t] else "–" for t in ("qpth", "cvxpylayers"))
        ms = lambda x: "–" if not x else f"{1000*x:.4g}"
        lines.append(f"| {nm} | {n_} | {m_} | {ms(f3)} | {ms(f6)} | {qa} | {qr} | {ca} | {cr} | {dd} |")
    text = "\n".join(lines)
    print(text)
    with open(a.md, "w") as fh:
        fh.write(f"# Differentiable QP layers: forward + backward (dx = ones)\n\nDate: {out['date']}. Machine: {out['machine']}.\n"
                 f"Command: `{out['command']}`\n\nSparseQP from `{a.sparseqp}` (BackwardBench --qps; f+b = setup + solve + polish + "
                 "kkt adjoint incl. its factorization, median of 3). qpth / cvxpylayers: one forward+backward call, median of 3, torch CPU float64; "
                 "cvxpylayers' layer construction (canonicalization) excluded, shown in parentheses.\n\n" + text + "\n")


if __name__ == "__main__":
    main()
