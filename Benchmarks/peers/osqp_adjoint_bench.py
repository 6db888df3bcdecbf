#!/usr/bin/env python3
"""OSQP 1.1.3 adjoint derivative timing on the QPS files written by BackwardBench.

For each QPS file and eps: OSQP setup + solve (eps_abs = eps_rel = eps, polishing on,
max_iter 10000, like BackwardBench), then

    adjoint_derivative_compute(dx=ones)                         (dy = 0)
    adjoint_derivative_get_mat(as_dense=False, dP_as_triu=True)
    adjoint_derivative_get_vec()

timed together, median of 3 (the compute call alone is reported too). Each (file, eps) runs in a
child process with a timeout; failures are recorded as such. When BackwardBench's dq file
(<name>_eps<E>.dq, SparseQP .kkt, dx = ones) is next to the QPS file, the relative difference
‖dq_osqp − dq_sparseqp‖∞ / ‖dq_sparseqp‖∞ is reported as a sanity check (both at tolerance eps).

Usage:
  Benchmarks/peers/.venv/bin/python Benchmarks/peers/osqp_adjoint_bench.py FILE.qps ... \
      [--eps 1e-3,1e-6] [--timeout 600] [--out Benchmarks/results/osqp-adjoint-bench.json]
  ... osqp_adjoint_bench.py --compare OSQP.json SPARSEQP.json [--md OUT.md]   (ratio table only)
"""
import argparse, json, os, statistics, subprocess, sys, time, datetime

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from common import machine  # noqa: E402


def single(path, eps):
    import numpy as np
    import osqp
    from qps import read_qps
    qp = read_qps(path, bound_rows="finite")
    assert qp.A.shape[0] == qp.n_constraints, "unexpected bound rows (BackwardBench writes FR columns)"
    n = qp.n
    P = qp.P.tocsc(); P.sort_indices()
    A = qp.A.tocsc(); A.sort_indices()
    rec = dict(file=os.path.basename(path), name=os.path.splitext(os.path.basename(path))[0], n=n,
               m=int(A.shape[0]), eps=eps, osqp=osqp.__version__)
    s = osqp.OSQP()
    t0 = time.perf_counter()
    s.setup(P, qp.q, A, qp.l, qp.u, eps_abs=eps, eps_rel=eps, polishing=True, max_iter=10000, verbose=False)
    rec["setup_wall_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    r = s.solve(raise_error=False)
    rec["solve_wall_s"] = time.perf_counter() - t0
    rec.update(status=r.info.status, iterations=int(r.info.iter), polish_status=int(r.info.status_polish),
               setup_s=r.info.setup_time, solve_s=r.info.solve_time, polish_s=r.info.polish_time)
    if r.info.status != "solved":
        rec["error"] = f"failed: forward status {r.info.status} (OSQP adjoint requires 'solved')"
        return rec
    dx = np.ones(n)
    total, compute = [], []
    dq = None
    for _ in range(3):
        t0 = time.perf_counter()
        s.adjoint_derivative_compute(dx=dx)
        t1 = time.perf_counter()
        dP, dA = s.adjoint_derivative_get_mat(as_dense=False, dP_as_triu=True)
        dq, dl, du = s.adjoint_derivative_get_vec()
        t2 = time.perf_counter()
        compute.append(t1 - t0)
        total.append(t2 - t0)
    rec["adjoint_s"] = statistics.median(total)
    rec["adjoint_compute_only_s"] = statistics.median(compute)
    rec["adjoint_runs_s"] = total
    dqfile = os.path.join(os.path.dirname(path), f"{rec['name']}_eps{eps_tag(eps)}.dq")
    if os.path.exists(dqfile):
        ours = np.loadtxt(dqfile)
        rec["dq_rel_diff_vs_sparseqp"] = float(np.max(np.abs(dq - ours)) / max(1e-300, np.max(np.abs(ours))))
    return rec


def eps_tag(eps):
    # Swift prints 0.001 and 1e-06 for Double description.
    return {1e-3: "0.001", 1e-6: "1e-06"}.get(eps, repr(eps))


def compare(osqp_json, sparseqp_json, md_out=None):
    o = json.load(open(osqp_json))["results"]
    s = json.load(open(sparseqp_json))["results"]
    ours = {(r["name"], float(r["eps"])): r for r in s}
    lines = ["| problem | n | eps | OSQP adjoint ms (compute+get) | SparseQP kkt 1st ms | SparseQP kkt 2nd ms | OSQP / SparseQP 1st | OSQP / SparseQP 2nd | dq rel. diff |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in o:
        key = (r["name"], float(r["eps"]))
        me = ours.get(key)
        def ms(x):
            return "–" if x is None else f"{1000 * x:.3g}"
        if "adjoint_s" not in r:
            lines.append(f"| {r['name']} | {r.get('n','')} | {r['eps']:.0e} | {r.get('error','failed')} | {ms(me and me.get('kkt_first_s'))} | {ms(me and me.get('kkt_second_s'))} | – | – | – |")
            continue
        k1 = me and me.get("kkt_first_s"); k2 = me and me.get("kkt_second_s")
        r1 = f"{r['adjoint_s'] / k1:.3g}×" if k1 else "–"
        r2 = f"{r['adjoint_s'] / k2:.3g}×" if k2 else "–"
        dqd = r.get("dq_rel_diff_vs_sparseqp")
        lines.append(f"| {r['name']} | {r['n']} | {r['eps']:.0e} | {ms(r['adjoint_s'])} | {ms(k1)} | {ms(k2)} | {r1} | {r2} | {'–' if dqd is None else f'{dqd:.1e}'} |")
    text = "\n".join(lines)
    print(text)
    if md_out:
        with open(md_out, "w") as f:
            f.write(f"# OSQP adjoint vs SparseQP adjoint\n\nFrom `{osqp_json}` and `{sparseqp_json}`.\n"
                    "OSQP: adjoint_derivative_compute(dx=ones) + get_mat(as_dense=False) + get_vec, median of 3, after its own solve "
                    "at the same eps (polishing on). SparseQP kkt 1st includes Differentiator init and its one numeric factorization; "
                    "2nd is a further adjoint call on the same factor. dq rel. diff = ‖dq_osqp − dq_sparseqp‖∞/‖dq_sparseqp‖∞ (dx = ones).\n\n"
                    + text + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*")
    ap.add_argument("--eps", default="1e-3,1e-6")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--out", default=os.path.join(HERE, "..", "results", "osqp-adjoint-bench.json"))
    ap.add_argument("--single", nargs=2, metavar=("FILE", "EPS"))
    ap.add_argument("--compare", nargs=2, metavar=("OSQP_JSON", "SPARSEQP_JSON"))
    ap.add_argument("--md")
    a = ap.parse_args()
    if a.single:
        print(json.dumps(single(a.single[0], float(a.single[1]))))
        return
    if a.compare:
        compare(*a.compare, md_out=a.md)
        return
    results = []
    for f in a.files:
        for eps in [float(e) for e in a.eps.split(",")]:
            name = os.path.splitext(os.path.basename(f))[0]
            t0 = time.perf_counter()
            try:
                p = subprocess.run([sys.executable, __file__, "--single", f, repr(eps)], capture_output=True,
                                   text=True, timeout=a.timeout)
                if p.returncode == 0:
                    rec = json.loads(p.stdout.strip().splitlines()[-1])
                else:
                    err = p.stderr.strip().splitlines()
                    reason = "out of memory" if p.returncode in (-9, 137) or "MemoryError" in p.stderr else (err[-1] if err else f"exit {p.returncode}")
                    rec = dict(name=name, eps=eps, error=f"failed: {reason}")
            except subprocess.TimeoutExpired:
                rec = dict(name=name, eps=eps, error=f"timeout ({a.timeout:.0f} s for setup+solve+3 adjoints)")
            rec["child_wall_s"] = time.perf_counter() - t0
            print(json.dumps({k: v for k, v in rec.items() if k != "adjoint_runs_s"}), file=sys.stderr, flush=True)
            results.append(rec)
    out = dict(date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), machine=machine(),
               command=" ".join([os.path.relpath(sys.executable)] + sys.argv), results=results)
    with open(a.out, "w") as fh:
        json.dump(out, fh, indent=1)
    print("wrote", os.path.normpath(a.out), file=sys.stderr)


if __name__ == "__main__":
    main()
