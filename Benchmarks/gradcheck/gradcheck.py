#!/usr/bin/env python3
"""Gradient check of `sparseqp grad` at the CLI's default tolerance (issue 18).

For every generated instance it compares dq of L = sum(x*) (`grad F --dx ones --json`, defaults,
eps = 1e-3) with
  * the tight gradient (same command with --eps-abs 1e-9 --eps-rel 1e-9), and
  * central finite differences of the exact solution map: re-solves at eps 1e-9 of the QPS file
    with q moved by +-h*d, along two unit directions d: the error direction (dq_default - dq_tight)
    and a seeded random direction.
Metrics (relative to ||dq_tight||_2):
  rel_tight = ||dq_default - dq_tight||_2 / ||dq_tight||_2
  rel_fd    = max_d |dq_default . d - fd(d)| / ||dq_tight||_2
  tight_fd  = max_d |dq_tight . d - fd(d)| / ||dq_tight||_2   (validates the reference)
A gradient counts as "flagged" when the command exits non-zero or backward.active_set_ambiguous is
true (or the field is missing: then only the exit status counts).

Usage: gradcheck.py --cli .build/release/sparseqp [--out table.md] [--work DIR] [--grad-args ...]
Deterministic: instances and random directions are fixed by (class, size, seed).
"""
import argparse, json, math, os, random, subprocess, sys, tempfile

FAMILY = [("random-sparse", 200), ("random-sparse", 500), ("random", 50),
          ("svm", 20), ("control", 10), ("lasso", 5)]
SEEDS = [1, 2, 3, 4]
TIGHT = ["--eps-abs", "1e-9", "--eps-rel", "1e-9", "--max-iter", "400000"]
STEP = 1e-5  # FD step (relative to max(1, ||q||_inf)); the map is piecewise affine in q


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


def read_q(path):
    """Objective coefficients of a QPSWriter file (columns C1..Cn, objective row 'obj')."""
    q, n, section = {}, 0, None
    with open(path) as f:
        for line in f:
            if not line.startswith(" ") and line.strip():
                section = line.split()[0]
                continue
            if section == "COLUMNS":
                parts = line.split()
                j = int(parts[0][1:])
                n = max(n, j)
                if parts[1] == "obj":
                    q[j] = float(parts[2])
    return [q.get(j, 0.0) for j in range(1, n + 1)]


def write_shifted(src, dst, shift):
    """Copy of `src` with q + shift (one objective entry per column, added where missing)."""
    seen, out, section = set(), [], None
    with open(src) as f:
        lines = f.readlines()
    for line in lines:
        if not line.startswith(" ") and line.strip():
            section = line.split()[0]
            out.append(line)
            continue
        if section == "COLUMNS":
            parts = line.split()
            j = int(parts[0][1:])
            if parts[1] == "obj":
                out.append(f"    C{j}  obj  {float(parts[2]) + shift[j - 1]!r}\n")
                seen.add(j)
                continue
            if j not in seen:
                out.append(f"    C{j}  obj  {shift[j - 1]!r}\n")
                seen.add(j)
        out.append(line)
    with open(dst, "w") as f:
        f.writelines(out)


def grad(cli, path, extra):
    r = run([cli, "grad", path, "--dx", "ones", "--json"] + extra)
    try:
        obj = json.loads(r.stdout) if r.stdout.strip() else {}
    except json.JSONDecodeError:
        obj = {}
    return r.returncode, obj, r.stderr.strip()


def loss(cli, path):
    r = run([cli, "solve", path, "--json"] + TIGHT)
    obj = json.loads(r.stdout)
    if obj.get("status") != "solved":
        raise RuntimeError(f"{path}: tight re-solve status {obj.get('status')}")
    return sum(obj["x"])


def norm(v):
    return math.sqrt(sum(t * t for t in v))


def check(cli, cls, size, seed, work, grad_args):
    path = os.path.join(work, f"{cls}-{size}-{seed}.qps")
    r = run([cli, "generate", cls, "--size", str(size), "--seed", str(seed), "--out", path])
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    rc, default, err = grad(cli, path, grad_args)
    rc_t, tight, err_t = grad(cli, path, TIGHT)
    if rc_t != 0 or "dq" not in tight:
        raise RuntimeError(f"{path}: tight grad failed: {err_t}")
    gt = tight["dq"]
    q = read_q(path)
    h = STEP * max(1.0, max(abs(v) for v in q))
    rng = random.Random(1000 * seed + size)
    dirs = []
    if "dq" in default:
        e = [a - b for a, b in zip(default["dq"], gt)]
        if norm(e) > 0:
            dirs.append([v / norm(e) for v in e])
    d = [rng.gauss(0, 1) for _ in gt]
    dirs.append([v / norm(d) for v in d])
    row = {"instance": f"{cls} {size} s{seed}", "n": len(gt), "exit": rc}
    bw = default.get("backward", {})
    row["flagged"] = rc != 0 or bool(bw.get("active_set_ambiguous", False))
    row["ambiguous"] = bw.get("ambiguous_rows", "")
    row["weak"] = bw.get("weakly_active", "")
    row["tau"] = bw.get("dual_activity_tolerance", float("nan"))
    gn = max(norm(gt), 1e-300)
    rel_fd = tight_fd = 0.0
    for k, d in enumerate(dirs):
        plus, minus = os.path.join(work, "plus.qps"), os.path.join(work, "minus.qps")
        write_shifted(path, plus, [h * v for v in d])
        write_shifted(path, minus, [-h * v for v in d])
        fd = (loss(cli, plus) - loss(cli, minus)) / (2 * h)
        tight_fd = max(tight_fd, abs(sum(a * b for a, b in zip(gt, d)) - fd) / gn)
        if "dq" in default:
            rel_fd = max(rel_fd, abs(sum(a * b for a, b in zip(default["dq"], d)) - fd) / gn)
    if "dq" in default:
        row["rel_tight"] = norm([a - b for a, b in zip(default["dq"], gt)]) / gn
        row["rel_fd"] = rel_fd
    else:
        row["rel_tight"] = row["rel_fd"] = float("nan")
        row["message"] = err.splitlines()[-1] if err else ""
    row["tight_fd"] = tight_fd
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=".build/release/sparseqp")
    ap.add_argument("--out")
    ap.add_argument("--work")
    ap.add_argument("--grad-args", default="", help="extra options of the default-tolerance grad call")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="gradcheck-")
    os.makedirs(work, exist_ok=True)
    grad_args = a.grad_args.split()
    rows = []
    header = "| instance | n | exit | flagged | ambiguous | weakly active | τ | rel. error vs tight | rel. error vs FD | tight vs FD |"
    lines = [header, "|" + "---|" * 10]
    print(header, flush=True)
    for cls, size in FAMILY:
        for seed in SEEDS:
            r = check(a.cli, cls, size, seed, work, grad_args)
            rows.append(r)
            line = (f"| {r['instance']} | {r['n']} | {r['exit']} | {'yes' if r['flagged'] else 'no'} | {r['ambiguous']} | "
                    f"{r['weak']} | {r['tau']:.2g} | {r['rel_tight']:.2e} | {r['rel_fd']:.2e} | {r['tight_fd']:.2e} |")
            lines.append(line)
            print(line, flush=True)
    ok = sum(1 for r in rows if not r["flagged"] and r["rel_fd"] <= 1e-4 and r["rel_tight"] <= 1e-4)
    flagged = sum(1 for r in rows if r["flagged"])
    wrong = len(rows) - ok - flagged
    summary = f"\n{len(rows)} instances: {ok} within 1e-4 (unflagged), {flagged} flagged, {wrong} wrong and unflagged"
    print(summary)
    if a.out:
        with open(a.out, "w") as f:
            f.write("\n".join(lines) + "\n" + summary + "\n")
    return 0 if wrong == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
