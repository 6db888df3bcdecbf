#!/usr/bin/env python3
"""Self-check of the peer benchmark scripts (not part of the Swift test suite; about 30 s).

  Benchmarks/peers/.venv/bin/python Benchmarks/peers/test_peers.py [--dir /tmp/sparseqp-peers-selfcheck]

1. qpb.py: writes 2 small random QPs (layers_bench.generate: n = 40 with r = 0.5, n = 70 with
   r = 0) as CLASS_nSIZE_sSEED.qpb, reads them back bit-exactly, checks that bad files (bad magic,
   truncated, entry below P's diagonal, unsorted rows, l > u) raise QPBError, and that a QPS copy
   of the second problem (layers_bench.write_qps) reads to the same data via read_problem.
2. suite.py on the two .qpb files with osqp, clarabel, piqp and layers qpth, cvxpylayers,
   osqp_adjoint (--layers-max-n 60, so the n = 70 problem's layers are recorded as skipped);
   checks the JSON schema, that every forward run and every non-skipped layer run is verified,
   the objectives agree with Clarabel's (rel. 1e-4; cvxpylayers 1e-3), the duals' sign convention
   (dual residuals small for the interior-point solvers), and the QPS copy through suite.py (osqp);
   with --flush-to-zero both (when setup.sh built ftz_shim.so), osqp and piqp as shipped and as
   osqp+ftz, piqp+ftz with flush-to-zero active; then a forced timeout (--time-limit 0.001
   --grace 0.05) is recorded as "timeout".
3. profiles.py on a fake SparseQP runner JSON made from the osqp (+ osqp_adjoint backward)
   results: the PNGs and the markdown exist and the ratios are 1×.
4. sequence_osqp.py on a 3-step sequence (no change; q update; l/u update of two equality rows and
   of a two-sided row that becomes an equality) of the first problem, with a fake SparseQP summary:
   3 steps, all verified, counts present, the row-type change counted as a refactorization.
Exits non-zero on the first failed check.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import scipy.sparse as sp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import common  # noqa: E402
import qpb  # noqa: E402
from layers_bench import generate, write_qps  # noqa: E402

PY = sys.executable
CHECKS = 0


def check(cond, msg):
    global CHECKS
    if not cond:
        print(f"FAIL: {msg}", file=sys.stderr)
        sys.exit(1)
    CHECKS += 1


def run(args, what):
    t0 = time.perf_counter()
    p = subprocess.run([PY] + args, capture_output=True, text=True)
    print(f"$ python {' '.join(os.path.relpath(x, HERE) if x.startswith(HERE) else x for x in args)}"
          f"   ({time.perf_counter() - t0:.1f} s)")
    if p.returncode != 0:
        print(p.stdout, p.stderr, file=sys.stderr)
    check(p.returncode == 0, f"{what} exited with {p.returncode}")
    return p


def expect_error(path, what):
    try:
        qpb.read_qpb(path)
    except qpb.QPBError as e:
        print(f"  {what}: QPBError: {str(e).split(': ', 1)[1][:90]}")
        return
    check(False, f"{what} was accepted")


def part_qpb(d):
    print("1. qpb.py")
    files = []
    for n, seed, r in ((40, 1, 0.5), (70, 2, 0.0)):
        P, q, A, l, u = generate(n, 1000 + n)
        path = os.path.join(d, f"rand-qp_n{n}_s{seed}.qpb")
        qpb.write_qpb(path, P, q, A, l, u, r=r)
        Pr, qr, Ar, lr, ur, rr = qpb.read_qpb(path)
        Pu = sp.triu(P, format="csc")
        check((Pr != Pu).nnz == 0 and (Ar != A).nnz == 0, "P/A round trip")
        check(np.array_equal(qr, q) and np.array_equal(lr, l) and np.array_equal(ur, u) and rr == r, "vector round trip")
        check(np.isinf(lr).any() and np.isinf(ur).any(), "infinite bounds survive")
        h = qpb.read_header(path)
        check((h["n"], h["m"], h["nnz_p"], h["nnz_a"]) == (n, A.shape[0], Pu.nnz, A.nnz), "header")
        files.append(path)
        print(f"  wrote {path}: n={n} m={A.shape[0]} nnzP={Pu.nnz} nnzA={A.nnz} r={r}; round trip exact")
    raw = open(files[0], "rb").read()
    bad = os.path.join(d, "bad.bin")
    open(bad, "wb").write(b"NOTQPB01" + raw[8:]); expect_error(bad, "bad magic")
    open(bad, "wb").write(raw[:-8]); expect_error(bad, "truncated")
    P, q, A, l, u, r = qpb.read_qpb(files[0])
    qpb.write_qpb(bad, sp.eye(P.shape[0]), q, A, l, u)
    b = bytearray(open(bad, "rb").read())
    b[48 + 8 * (P.shape[0] + 1): 48 + 8 * (P.shape[0] + 2)] = np.int64(5).tobytes()  # rowind[0] = 5 > col 0
    open(bad, "wb").write(bytes(b)); expect_error(bad, "entry below P's diagonal")
    qpb.write_qpb(bad, P, q, A, l, u)
    b = bytearray(open(bad, "rb").read())
    n = P.shape[0]
    off = 48 + 8 * ((n + 1) + 2 * P.nnz + n + (n + 1))  # A.rowind: after P, q and A.colptr
    first, second = bytes(b[off:off + 8]), bytes(b[off + 8:off + 16])
    b[off:off + 8], b[off + 8:off + 16] = second, first  # swap two rows of column 0
    open(bad, "wb").write(bytes(b)); expect_error(bad, "unsorted rows in a column of A")
    l2 = l.copy(); l2[0] = u[0] + 1 if np.isfinite(u[0]) else 1.0
    u2 = u.copy(); u2[0] = l2[0] - 1
    qpb.write_qpb(bad, P, q, A, l2, u2); expect_error(bad, "l > u")
    os.unlink(bad)
    # QPS copy of the second problem read through read_problem
    P, q, A, l, u, r = qpb.read_qpb(files[1])
    qps = os.path.join(d, "qps", "rand-qp_n70_s2.qps")
    os.makedirs(os.path.dirname(qps), exist_ok=True)
    write_qps(qps, "rand-qp_n70_s2", common.full_from_upper(P), q, A, l, u)
    P2, q2, A2, l2, u2, r2 = qpb.read_problem(qps)
    # QPS stores a two-sided row as G + RANGES, so u comes back as l + (u − l): equal up to rounding
    check(abs(P2 - P).max() == 0 and abs(A2 - A).max() == 0 and np.array_equal(q2, q) and np.array_equal(l2, l)
          and np.allclose(u2, u, rtol=1e-15, atol=1e-15) and r2 == 0.0, "QPS copy reads to the same data")
    print(f"  {qps}: read_problem(.qps) gives the same P, q, A, l and u (to 1e-15: QPS ranges)")
    return files, qps


RESULT_KEYS = {"problem", "file", "class", "size", "n", "m", "nnz_p", "nnz_a", "solver", "status", "verified",
               "objective", "iterations", "time", "setup_time", "solve_time", "polish_time", "backward_time",
               "primal_residual", "dual_residual", "rel_primal", "rel_dual", "peak_rss_mib", "error"}


def part_suite(d, files, qps):
    print("2. suite.py")
    out = os.path.join(d, "peers.json")
    p = run([os.path.join(HERE, "suite.py"), os.path.join(d, "rand-qp_*.qpb"), "--out", out,
             "--layers", "qpth,cvxpylayers,osqp_adjoint", "--layers-max-n", "60", "--time-limit", "60"], "suite.py")
    print("  " + "\n  ".join(p.stderr.strip().splitlines()))
    doc = json.load(open(out))
    check({"tool", "date", "machine", "versions", "command", "settings", "results"} <= set(doc), "top-level keys")
    check(doc["tool"] == "peers" and {"cpu", "cores", "mem_gib"} <= set(doc["machine"]), "tool / machine")
    check({"eps_abs", "eps_rel", "max_iter", "polish", "time_limit"} <= set(doc["settings"]), "settings keys")
    res = doc["results"]
    check(len(res) == 12, f"12 results (got {len(res)})")
    for r in res:
        miss = RESULT_KEYS - set(r)
        check(not miss, f"result keys missing: {miss}")
        check(r["class"] == "rand-qp" and r["size"] in (40, 70), "class/size parsed from the name")
    by = {(r["solver"], r["size"]): r for r in res}
    for n in (40, 70):
        ref = by[("clarabel", n)]["objective"]
        for s in ("osqp", "clarabel", "piqp"):
            r = by[(s, n)]
            check(r["verified"] and r["error"] is None, f"{s} n={n} verified ({r['status']}, {r['error']})")
            check(abs(r["objective"] - ref) <= 1e-4 * max(1, abs(ref)), f"{s} n={n} objective vs clarabel")
            check(r["peak_rss_mib"] and r["peak_rss_mib"] > 0, "peak RSS recorded")
        for s in ("clarabel", "piqp"):
            check(by[(s, n)]["rel_dual"] < 1e-3, f"{s} dual sign convention (rel_dual {by[(s, n)]['rel_dual']})")
    for s in ("qpth", "cvxpylayers", "osqp_adjoint"):
        r = by[(s, 40)]
        check(r["verified"] and r["error"] is None and r["forward_time"] > 0 and r["backward_time"] > 0,
              f"layer {s} n=40 ({r['status']}, {r['error']})")
        tol = 1e-3 if s == "cvxpylayers" else 1e-4
        ref = by[("clarabel", 40)]["objective"]
        check(abs(r["objective"] - ref) <= tol * max(1, abs(ref)), f"layer {s} objective")
        r70 = by[(s, 70)]
        check(r70["status"] == "skipped" and r70["error"].startswith("skipped: n > max"), f"layer {s} n=70 skipped")
    check(by[("cvxpylayers", 40)]["canonicalization_time"] > 0, "cvxpylayers canonicalization reported")
    # the QPS copy of problem 2 through the suite
    outq = os.path.join(d, "peers-qps.json")
    run([os.path.join(HERE, "suite.py"), qps, "--solvers", "osqp", "--out", outq], "suite.py on QPS")
    rq = json.load(open(outq))["results"][0]
    check(rq["verified"] and abs(rq["objective"] - by[("osqp", 70)]["objective"]) <= 1e-9 * max(1, abs(rq["objective"])),
          "QPS and .qpb give the same OSQP result")
    print(f"  QPS copy: osqp objective {rq['objective']:.10g} = .qpb's {by[('osqp', 70)]['objective']:.10g}")
    # --flush-to-zero both: each solver as shipped and under ftz_shim.so, a record (column) each
    if os.path.exists(os.path.join(HERE, "ftz_shim.so")):
        outf = os.path.join(d, "peers-ftz.json")
        run([os.path.join(HERE, "suite.py"), files[0], "--solvers", "osqp,piqp", "--flush-to-zero", "both",
             "--out", outf], "suite.py --flush-to-zero both")
        df = json.load(open(outf))
        rf = {r["solver"]: r for r in df["results"]}
        check(sorted(rf) == ["osqp", "osqp+ftz", "piqp", "piqp+ftz"], f"ftz records {sorted(rf)}")
        for s in ("osqp", "piqp"):
            check(rf[s]["flush_to_zero"] is False and rf[s]["flush_to_zero_active"] is False, f"{s} as shipped")
            check(rf[s + "+ftz"]["flush_to_zero"] is True and rf[s + "+ftz"]["flush_to_zero_active"] is True,
                  f"{s}+ftz runs with flush-to-zero")
            check(rf[s + "+ftz"]["verified"], f"{s}+ftz verified")
        check(df["settings"]["flush_to_zero"] == "both" and df["machine"]["cpu"], "ftz settings and CPU model recorded")
        print(f"  flush-to-zero: {', '.join(sorted(rf))} on {df['machine']['cpu']}")
    else:
        print("  flush-to-zero: ftz_shim.so not built (bash Benchmarks/peers/setup.sh); skipped")
    # a forced timeout is recorded, not dropped
    outt = os.path.join(d, "peers-timeout.json")
    run([os.path.join(HERE, "suite.py"), files[0], "--solvers", "piqp", "--time-limit", "0.001", "--grace", "0.05",
         "--out", outt], "suite.py forced timeout")
    rt = json.load(open(outt))["results"][0]
    check(rt["error"] == "timeout" and rt["status"] == "timeout" and rt["verified"] is False, f"timeout recorded ({rt})")
    print(f"  forced timeout recorded: status {rt['status']!r}, error {rt['error']!r}, peak_rss_mib {rt['peak_rss_mib']:.0f}")
    return doc


def part_profiles(d, doc):
    print("3. profiles.py")
    probs = []
    by = {(r["solver"], r["problem"]): r for r in doc["results"]}
    for r in doc["results"]:
        if r["solver"] != "osqp":
            continue
        adj = by.get(("osqp_adjoint", r["problem"]))
        bwd = adj["backward_time"] if adj and adj["error"] is None else None
        probs.append(dict(problem=r["problem"], file=r["file"], **{"class": r["class"]}, size=r["size"], seed=r["seed"],
                          n=r["n"], m=r["m"], nnz_p=r["nnz_p"], nnz_a=r["nnz_a"], status=r["status"],
                          verified=r["verified"], objective=r["objective"], iterations=r["iterations"],
                          primal_residual=r["primal_residual"], dual_residual=r["dual_residual"],
                          rel_primal=r["rel_primal"], rel_dual=r["rel_dual"],
                          timings=dict(setup=r["setup_time"], solve=r["solve_time"], polish=r["polish_time"],
                                       backward=bwd, total=r["time"]),
                          factorization=None, peak_rss_mib=r["peak_rss_mib"], error=None))
    fake = dict(tool="sparseqp", date=doc["date"], machine="fake machine (osqp results relabelled)",
                command="(fake SparseQP JSON made by test_peers.py from the osqp results)",
                settings=dict(eps_abs=1e-3, eps_rel=1e-3, max_iter=4000, polish=True, time_limit=60.0), problems=probs)
    fpath = os.path.join(d, "fake-sparseqp.json")
    json.dump(fake, open(fpath, "w"), indent=1)
    run([os.path.join(HERE, "profiles.py"), "--sparseqp", fpath, "--peers", os.path.join(d, "peers.json"),
         "--out-dir", d, "--name", "selfcheck"], "profiles.py")
    for f in ("selfcheck-profile-forward.png", "selfcheck-profile-layers.png", "selfcheck-time-vs-size.png",
              "selfcheck-time-vs-size-layers.png", "selfcheck.md"):
        path = os.path.join(d, f)
        check(os.path.exists(path) and os.path.getsize(path) > 1000, f"{f} written")
        print(f"  {path} ({os.path.getsize(path)} bytes)")
    md = open(os.path.join(d, "selfcheck.md")).read()
    fwd = md.split("## Forward solve")[1].split("##")[0]
    rows = [ln for ln in fwd.splitlines() if ln.startswith("| rand-qp")]
    check(len(rows) == 2 and all(ln.split("|")[8].strip() == "1×" for ln in rows), "osqp / SparseQP ratio = 1× on both")
    check("## Forward + backward (layers)" in md and "## Objective vs" in md, "markdown sections")
    print("  markdown: osqp / SparseQP = 1× on both problems (fake SparseQP = osqp)")


def part_sequence(d, files):
    print("4. sequence_osqp.py")
    P, q, A, l, u, r = qpb.read_qpb(files[0])
    eq = np.flatnonzero(l == u)[:2]
    two = np.flatnonzero(np.isfinite(l) & np.isfinite(u) & (l < u))[:1]
    idx = np.concatenate([eq, two])
    seq = dict(problem=os.path.basename(files[0]), eps_abs=1e-3, eps_rel=1e-3, polish=True, max_iter=4000,
               steps=[{}, dict(q_idx=[0, 1, 2], q_val=[float(q[0]) + 1, float(q[1]) - 1, 0.0]),
                      dict(lu_idx=idx.tolist(), l_val=(l[idx] + 0.05).tolist(),
                           u_val=np.concatenate([u[eq] + 0.05, l[two] + 0.05]).tolist())])  # two-sided → equality
    spath = os.path.join(d, "sequence.json")  # relative problem path: resolved against this folder
    json.dump(seq, open(spath, "w"))
    ours = dict(problem="rand-qp_n40_s1", n=int(q.shape[0]), m=int(l.shape[0]), steps=3, solved=3, iterations_total=75,
                iterations_per_step=[50, 25, 0], symbolic_analyses=1, numeric_factorizations=4, kkt_solves=80,
                times=dict(setup=1e-3, symbolic=1e-4, numeric=4e-4, kkt_solves=1e-3, admm_iterations=2e-3,
                           polish=5e-4, sequence_total=4e-3), cold=None)
    opath = os.path.join(d, "fake-sparseqp-sequence.json")
    json.dump(ours, open(opath, "w"))
    out = os.path.join(d, "sequence-osqp.json")
    p = run([os.path.join(HERE, "sequence_osqp.py"), spath, "--sparseqp", opath, "--out", out], "sequence_osqp.py")
    print("  " + "\n  ".join(p.stdout.strip().splitlines()))
    doc = json.load(open(out))
    check(len(doc["steps"]) == 3 and doc["totals"]["steps"] == 3, "3 steps")
    check(all(s["status"] == "solved" and s["verified"] for s in doc["steps"]), "all steps solved + verified")
    f = doc["factorizations"]
    check(f["kkt_symbolic"] == 1 and f["numeric_total"] >= 1 and "how_counted" in f, "factorization counts")
    check([s["type_change_refactorizations"] for s in doc["steps"]] == [0, 0, 1], "row-type change counted at step 2")
    check(doc["steps"][0]["setup_time"] > 0 and doc["steps"][1]["update_time"] > 0, "setup / update times")
    check(doc["sparseqp"]["numeric_factorizations"] == 4, "SparseQP summary carried along")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="/tmp/sparseqp-peers-selfcheck")
    a = ap.parse_args()
    shutil.rmtree(a.dir, ignore_errors=True)
    os.makedirs(a.dir)
    t0 = time.perf_counter()
    files, qps = part_qpb(a.dir)
    doc = part_suite(a.dir, files, qps)
    part_profiles(a.dir, doc)
    part_sequence(a.dir, files)
    print(f"OK: {CHECKS} checks passed in {time.perf_counter() - t0:.1f} s (outputs in {a.dir})")


if __name__ == "__main__":
    main()
