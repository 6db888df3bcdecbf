#!/usr/bin/env python3
"""Performance profiles, time-vs-size plots and a comparison table from a SparseQP runner JSON
(`sparseqp bench --json ...`, "tool": "sparseqp") and one or more peers JSONs (suite.py).

Usage (from the repo root):

  Benchmarks/peers/.venv/bin/python Benchmarks/peers/profiles.py \\
      --sparseqp Benchmarks/results/suite-sparseqp.json \\
      --peers Benchmarks/results/peers-suite.json [MORE_PEERS.json ...] \\
      --out-dir Benchmarks/results [--name suite]

Writes (NAME defaults to "suite"):
  OUT_DIR/NAME-profile-forward.png   Dolan–Moré profile of the forward solve (SparseQP timings.total
                                     = setup + solve + polish; peers' "time")
  OUT_DIR/NAME-profile-layers.png    same for forward + backward (SparseQP timings.total +
                                     timings.backward; peers' layer "time"), if layer results exist
  OUT_DIR/NAME-time-vs-size.png      one log-log subplot per problem class: time vs n per solver,
                                     failures as "x" at the time limit (and NAME-time-vs-size-layers.png)
  OUT_DIR/NAME.md                    per-problem times, ratios peer / SparseQP, objective differences

Rules:
  * A run counts as solved iff verified is true and error is null (for the layers profile SparseQP
    also needs a non-null timings.backward and no backward error). Everything else — failed,
    timeout, out of memory, unverified, skipped — never counts (ratio = ∞).
  * Problems are matched by file stem ("problem") and must have the same n, m, nnz_p, nnz_a in both
    JSONs ("same problem file"); a peer record whose sizes differ is left out and listed.
  * A profile covers the problems attempted by every solver in it (records present, whatever the
    outcome); the layers profile only problems where some peer layer was not skipped.
    r(p, s) = t(p, s) / min_s t(p, s); ρ_s(τ) = fraction of problems with r(p, s) ≤ τ (τ on a log2
    axis). A problem no solver solved counts against everyone.
  * Ratios in the table: peer time / SparseQP time, only when both runs count as solved.
  * Objective: rel. diff = |f − f_ref| / max(1, |f_ref|), f_ref from Clarabel if it counts as solved,
    else PIQP; objectives include the constant r.
  * If a peers JSON repeats a (solver, problem) of an earlier one, the later record wins (warning).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections import OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import common  # noqa: E402

SQ = "sparseqp"
DIMS = ("n", "m", "nnz_p", "nnz_a")


# ---------------------------------------------------------------- loading

def load_sparseqp(path):
    d = json.load(open(path))
    if d.get("tool") != "sparseqp":
        raise SystemExit(f"{path}: not a SparseQP runner JSON (tool = {d.get('tool')!r})")
    fwd, lay = {}, {}
    for p in d.get("problems", []):
        t = p.get("timings") or {}
        total, bwd = t.get("total"), t.get("backward")
        berr = (p.get("backward") or {}).get("error") if isinstance(p.get("backward"), dict) else None
        base = dict(problem=p["problem"], file=p.get("file"), cls=p.get("class"), size=p.get("size"),
                    status=p.get("status"), verified=bool(p.get("verified")), error=p.get("error"),
                    objective=p.get("objective"), **{k: p.get(k) for k in DIMS})
        ok = base["verified"] and base["error"] is None and _finite(total)
        fwd[p["problem"]] = dict(base, time=total, ok=ok)
        lt = total + bwd if (_finite(total) and _finite(bwd)) else None
        lay[p["problem"]] = dict(base, time=lt, ok=ok and lt is not None and berr is None,
                                 note=berr or (None if lt is not None else "backward not run"))
    return d, fwd, lay


def load_peers(paths):
    docs, fwd, lay = [], OrderedDict(), OrderedDict()
    for path in paths:
        d = json.load(open(path))
        if d.get("tool") != "peers":
            raise SystemExit(f"{path}: not a peers JSON (tool = {d.get('tool')!r})")
        docs.append((path, d))
        for r in d.get("results", []):
            table = lay if r.get("kind") == "layer" else fwd
            key = (r["solver"], r["problem"])
            if key in table:
                print(f"warning: {path}: {key} repeats an earlier record; using this one", file=sys.stderr)
            ok = bool(r.get("verified")) and r.get("error") is None and _finite(r.get("time"))
            table[key] = dict(r, cls=r.get("class"), ok=ok, limit=(d.get("settings") or {}).get("time_limit"))
    return docs, fwd, lay


def _finite(v):
    return isinstance(v, (int, float)) and math.isfinite(v)


def same_problem(a, b):
    return all(a.get(k) is None or b.get(k) is None or a.get(k) == b.get(k) for k in DIMS)


def solver_order(keys, preferred):
    seen = OrderedDict()
    for s in preferred:
        if any(k[0] == s for k in keys):
            seen[s] = None
    for k in keys:
        seen.setdefault(k[0], None)
    return list(seen)


def build(sq, peers, order):
    """{solver: {problem: record}} with SparseQP + peers; peers must match SparseQP's sizes."""
    by = OrderedDict([(SQ, dict(sq))])
    excluded = []
    for s in solver_order(peers.keys(), order):
        by[s] = {}
    for (s, p), r in peers.items():
        if p in sq and not same_problem(sq[p], r):
            excluded.append((s, p, {k: (sq[p].get(k), r.get(k)) for k in DIMS if sq[p].get(k) != r.get(k)}))
            continue
        by[s][p] = r
    return by, excluded


# ---------------------------------------------------------------- profiles

def profile_data(by, problems):
    """ratios[s] = sorted list of r(p, s) over problems (inf for failures)."""
    ratios = {s: [] for s in by}
    for p in problems:
        ts = {s: (by[s][p]["time"] if by[s][p]["ok"] else math.inf) for s in by}
        best = min(ts.values())
        for s in by:
            ratios[s].append(ts[s] / best if math.isfinite(best) and math.isfinite(ts[s]) else math.inf)
    return {s: sorted(v) for s, v in ratios.items()}


def plot_profile(ratios, nprob, title, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    finite = [r for v in ratios.values() for r in v if math.isfinite(r)]
    tmax = max(2.0, max(finite) * 1.25) if finite else 2.0
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for s, v in ratios.items():
        xs, ys = [1.0], [sum(1 for r in v if r <= 1.0) / nprob]
        for i, r in enumerate(v):
            if math.isfinite(r) and r > 1.0:
                xs.append(r); ys.append(sum(1 for rr in v if rr <= r) / nprob)
        xs.append(tmax); ys.append(ys[-1])
        style = dict(color="black", linewidth=2.6, zorder=5) if s == SQ else dict(linewidth=1.8)
        ax.step(xs, ys, where="post", label=f"{s} ({sum(1 for r in v if math.isfinite(r))}/{nprob})", **style)
    ax.set_xscale("log", base=2)
    ax.set_xlim(1, tmax)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("τ  (time / best verified time on the problem)")
    ax.set_ylabel("ρ(τ): fraction solved + verified within τ·best")
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def plot_time_vs_size(by, limit, title, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    classes = sorted({r.get("cls") or "?" for recs in by.values() for r in recs.values()})
    if not classes:
        return False
    nc = min(3, len(classes))
    nr = (len(classes) + nc - 1) // nc
    fig, axes = plt.subplots(nr, nc, figsize=(max(7.0, 5 * nc), 3.8 * nr + 0.4), squeeze=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    times = [r["time"] for recs in by.values() for r in recs.values() if r["ok"]]
    lim = limit if limit else (2 * max(times) if times else 1.0)  # no limit known: 2 × slowest success
    for ci, cls in enumerate(classes):
        ax = axes[ci // nc][ci % nc]
        any_bad = False
        for si, (s, recs) in enumerate(by.items()):
            col = "black" if s == SQ else colors[(si - 1) % len(colors)]
            lw = 2.4 if s == SQ else 1.4
            rs = sorted((r for r in recs.values() if (r.get("cls") or "?") == cls and r.get("n") is not None),
                        key=lambda r: r["n"])
            good = [(r["n"], r["time"]) for r in rs if r["ok"]]
            bad = [r["n"] for r in rs if not r["ok"]]
            if good:
                ax.plot(*zip(*good), "o-", color=col, label=s, markersize=4, linewidth=lw)
            if bad:
                any_bad = True
                ax.plot(bad, [lim] * len(bad), "x", color=col, markersize=8, mew=2,
                        label=None if good else s)
        if any_bad:
            ax.axhline(lim, color="gray", linestyle=":", linewidth=1)
        ax.set_xscale("log"); ax.set_yscale("log")
        ax.set_title(cls, fontsize=10)
        ax.set_xlabel("n (variables)")
        ax.set_ylabel("time (s)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    for k in range(len(classes), nr * nc):
        axes[k // nc][k % nc].axis("off")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


# ---------------------------------------------------------------- markdown

def fmt_t(t):
    if not _finite(t):
        return "–"
    return f"{t:.3g} s" if t >= 1 else f"{1000 * t:.3g} ms"


def cell(r):
    if r is None:
        return "not run"
    if r["ok"]:
        return fmt_t(r["time"])
    if r.get("error"):
        return f"✗ {str(r['error'])[:60]}"
    if r.get("note"):
        return f"✗ {r['note']}"
    return f"✗ unverified ({r.get('status')}, {fmt_t(r.get('time'))})"


def ratio(a, b):
    if a is None or b is None or not (a["ok"] and b["ok"]) or not b["time"]:
        return None
    return a["time"] / b["time"]


def fmt_ratio(x):
    return "–" if x is None else f"{x:.3g}×"


def geomean(v):
    return math.exp(sum(math.log(x) for x in v) / len(v)) if v else None


def machine_str(m):
    if isinstance(m, dict):
        parts = [m.get("cpu") or "?", f"{m.get('cores')} cores" if m.get("cores") else None,
                 f"{m.get('mem_gib'):.0f} GiB" if _finite(m.get("mem_gib")) else None]
        return ", ".join(p for p in parts if p)
    return str(m)


def comparison_table(by, problems, title, note):
    peers = [s for s in by if s != SQ]
    out = [f"## {title}", "", note, ""]
    head = ["problem", "class", "n", "m", "nnz(P)+nnz(A)", "SparseQP"]
    for s in peers:
        head += [s, f"{s} / SparseQP"]
    out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    rat = {s: [] for s in peers}
    for p in problems:
        ref = next(by[s][p] for s in by if p in by[s])
        nnz = (ref.get("nnz_p") or 0) + (ref.get("nnz_a") or 0) if ref.get("nnz_p") is not None else "–"
        row = [p, str(ref.get("cls")), str(ref.get("n")), str(ref.get("m")), str(nnz), cell(by[SQ].get(p))]
        for s in peers:
            x = ratio(by[s].get(p), by[SQ].get(p))
            if x is not None:
                rat[s].append(x)
            row += [cell(by[s].get(p)), fmt_ratio(x)]
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    nsolved = {s: sum(1 for p in problems if p in by[s] and by[s][p]["ok"]) for s in by}
    out.append(f"Solved + verified (of {len(problems)}): " + ", ".join(f"{s} {nsolved[s]}" for s in by) + ".")
    gm = [f"{s} {geomean(rat[s]):.3g}× over {len(rat[s])}" for s in peers if rat[s]]
    if gm:
        out.append("Geometric mean of peer / SparseQP over problems both solved: " + "; ".join(gm) + ".")
    out.append("")
    return out, rat


def objective_table(by, problems):
    out = ["## Objective vs the interior-point reference", "",
           "rel. diff = |f − f_ref| / max(1, |f_ref|); f_ref from Clarabel when it solved and verified the problem, "
           "else PIQP; f recomputed from each solver's x (constant included). Only runs that count as solved.", ""]
    solvers = list(by)
    out += ["| problem | reference | f_ref | " + " | ".join(solvers) + " |", "|" + "---|" * (3 + len(solvers))]
    for p in problems:
        ref_s = next((s for s in ("clarabel", "piqp") if s in by and p in by[s] and by[s][p]["ok"]
                      and _finite(by[s][p].get("objective"))), None)
        if ref_s is None:
            out.append(f"| {p} | none | – | " + " | ".join("–" for _ in solvers) + " |")
            continue
        f_ref = by[ref_s][p]["objective"]
        cells = []
        for s in solvers:
            r = by[s].get(p)
            if s == ref_s:
                cells.append("ref")
            elif r is None or not r["ok"] or not _finite(r.get("objective")):
                cells.append("–")
            else:
                cells.append(f"{abs(r['objective'] - f_ref) / max(1.0, abs(f_ref)):.1e}")
        out.append(f"| {p} | {ref_s} | {f_ref:.10g} | " + " | ".join(cells) + " |")
    out.append("")
    return out


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description="Profiles + table: SparseQP runner JSON vs peers JSON(s).")
    ap.add_argument("--sparseqp", required=True, help="SparseQP runner JSON (tool = sparseqp)")
    ap.add_argument("--peers", required=True, nargs="+", help="peers JSON(s) from suite.py")
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--name", default="suite", help="file name prefix (default: suite)")
    a = ap.parse_args()
    os.makedirs(a.out_dir, exist_ok=True)
    sqdoc, sq_fwd, sq_lay = load_sparseqp(a.sparseqp)
    docs, pf, pl = load_peers(a.peers)
    eps = (sqdoc.get("settings") or {})
    out_files = []

    # ---- forward
    by, excluded = build(sq_fwd, pf, ("osqp", "clarabel", "piqp"))
    attempted = [set(by[s]) for s in by]
    problems = sorted(set.intersection(*attempted)) if attempted else []
    left_out = sorted(set.union(*attempted) - set(problems)) if attempted else []
    # failures are drawn at the largest time limit of the runs (SparseQP's 0 = none is ignored)
    lims = [x for x in [eps.get("time_limit")] + [(d.get("settings") or {}).get("time_limit") for _, d in docs]
            if _finite(x) and x > 0]
    lim_all = max(lims) if lims else None
    sub = (f"εabs = {eps.get('eps_abs')}, εrel = {eps.get('eps_rel')}, polish = {eps.get('polish')}; "
           f"{len(problems)} problems")
    if problems:
        ratios = profile_data(by, problems)
        f = os.path.join(a.out_dir, f"{a.name}-profile-forward.png")
        plot_profile(ratios, len(problems), f"Forward solve: performance profile ({sub})", f)
        out_files.append(f)
    f = os.path.join(a.out_dir, f"{a.name}-time-vs-size.png")
    if plot_time_vs_size(by, lim_all, f"Forward solve: time vs n (x = failed or unverified, drawn at the {lim_all:g} s limit)" if lim_all
                          else "Forward solve: time vs n (x = failed or unverified)", f):
        out_files.append(f)

    # ---- layers
    lby, lexcl = build(sq_lay, pl, ("qpth", "cvxpylayers", "osqp_adjoint"))
    lproblems = []
    if len(lby) > 1:
        lattempted = [set(lby[s]) for s in lby]
        lproblems = sorted(p for p in set.intersection(*lattempted)
                           if any(p in lby[s] and not str(lby[s][p].get("error") or "").startswith("skipped")
                                  for s in lby if s != SQ))
        if lproblems:
            lr = profile_data(lby, lproblems)
            f = os.path.join(a.out_dir, f"{a.name}-profile-layers.png")
            plot_profile(lr, len(lproblems), f"Forward + backward (dx = ones): performance profile "
                         f"({len(lproblems)} problems)", f)
            out_files.append(f)
            lsub = {s: {p: r for p, r in lby[s].items() if p in lproblems} for s in lby}
            f = os.path.join(a.out_dir, f"{a.name}-time-vs-size-layers.png")
            if plot_time_vs_size(lsub, lim_all, "Forward + backward: time vs n (x = failed or unverified)", f):
                out_files.append(f)

    # ---- markdown
    md = [f"# SparseQP vs peer solvers", "",
          f"Generated {common.utc_now()} by `{common.command_line()}`.", "",
          f"- SparseQP: {sqdoc.get('date')}, {machine_str(sqdoc.get('machine'))}; command: `{sqdoc.get('command')}`; "
          f"settings: {json.dumps(sqdoc.get('settings'))}"]
    for path, d in docs:
        md.append(f"- peers ({os.path.basename(path)}): {d.get('date')}, {machine_str(d.get('machine'))}; command: "
                  f"`{d.get('command')}`; settings: {json.dumps(d.get('settings'))}; versions: {json.dumps(d.get('versions'))}")
    machines = {machine_str(sqdoc.get("machine"))} | {machine_str(d.get("machine")) for _, d in docs}
    if len(machines) > 1:
        md.append(f"- **Warning: the JSONs come from different machines** ({'; '.join(sorted(machines))}).")
    md.append("")
    fwd_note = ("Time: SparseQP timings.total = setup + solve + polish; OSQP info setup + solve + polish; Clarabel/PIQP "
                "setup + solve (wall). Ratio = peer / SparseQP on the same problem file, only when both solved + verified "
                "(✗ = failed, timeout, out of memory or unverified).")
    tab, _ = comparison_table(by, problems, "Forward solve", fwd_note)
    md += tab
    if left_out:
        md += [f"Not attempted by every solver (left out of the profile and this table): {', '.join(left_out)}.", ""]
    md += objective_table(by, problems)
    if lproblems:
        lnote = ("Forward + backward with dx = ones (loss sum(x*)). SparseQP: timings.total + timings.backward. Peers: "
                 "forward_time + backward_time of one call (cvxpylayers' canonicalization excluded, listed below).")
        tab, _ = comparison_table(lby, lproblems, "Forward + backward (layers)", lnote)
        md += tab
        can = [(p, r.get("canonicalization_time")) for p, r in lby.get("cvxpylayers", {}).items()
               if p in lproblems and _finite(r.get("canonicalization_time"))]
        if can:
            md += ["cvxpylayers canonicalization (excluded above): " + ", ".join(f"{p} {fmt_t(t)}" for p, t in can) + ".", ""]
    for s, p, diff in excluded + lexcl:
        md.append(f"- Excluded {s} on {p}: different problem data under the same name ({diff}).")
    f = os.path.join(a.out_dir, f"{a.name}.md")
    with open(f, "w") as fh:
        fh.write("\n".join(md) + "\n")
    out_files.append(f)
    for f in out_files:
        print("wrote", f, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
