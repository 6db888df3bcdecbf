"""Helpers shared by the peer benchmark scripts (suite.py, profiles.py, sequence_osqp.py,
layers_bench.py, osqp_adjoint_bench.py). Not a command.

Contents:
  machine(), versions(), utc_now(), command_line()      run metadata
  parse_problem_name(stem), file_stem(path)               CLASS_nSIZE_sSEED → class, size, seed
  sym_upper_matvec(P, x)                                  P x for P stored as its upper triangle
  residuals(P, q, A, l, u, x, y, eps_abs, eps_rel)        independent residuals + OSQP tolerances
  objective(P, q, r, x), full_from_upper(P)               ½xᵀPx + qᵀx + r; symmetric P from its triangle
  row_sets(l, u), split_rows(P_full, q, A, l, u)          equality / lower / upper rows; dense
                                                          (P, q, G, h, Aeq, b) for qpth, cvxpylayers
  reset_peak_rss(), vm_mib(field)                         /proc/self peak-RSS probe
  run_child(argv, timeout, result_file, env=None)         one child process, failures as strings
  json_clean(obj)                                         NaN/inf → null, numpy → Python
"""
from __future__ import annotations

import datetime
import json
import math
import os
import platform
import re
import shlex
import signal
import subprocess
import sys
import time

import numpy as np

# ---------------------------------------------------------------- metadata


def machine() -> dict:
    """CPU model, logical cores, total memory (GiB), Python version, platform."""
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = round(int(line.split()[1]) / 2**20, 1)
                    break
    except OSError:
        pass
    return dict(cpu=cpu or platform.processor() or "unknown", cores=os.cpu_count(), mem_gib=mem,
                python=platform.python_version(), platform=platform.platform())


def versions(packages) -> dict:
    """Installed distribution versions (importlib.metadata; no imports), None if absent."""
    from importlib import metadata
    out = {"python": platform.python_version()}
    for p in packages:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = None
    return out


def utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def command_line() -> str:
    """The command as typed (interpreter relative to the working directory)."""
    return " ".join(shlex.quote(a) for a in [os.path.relpath(sys.executable)] + sys.argv)


_NAME = re.compile(r"^(?P<cls>.+)_n(?P<size>\d+)_s(?P<seed>\d+)$")


def parse_problem_name(stem: str) -> dict:
    """'control-sparse_n6667_s1' → {'class': 'control-sparse', 'size': 6667, 'seed': 1};
    names not of the form CLASS_nSIZE_sSEED → {'class': stem, 'size': None, 'seed': None}."""
    mt = _NAME.match(stem)
    if not mt:
        return {"class": stem, "size": None, "seed": None}
    return {"class": mt["cls"], "size": int(mt["size"]), "seed": int(mt["seed"])}


def file_stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


# ---------------------------------------------------------------- residuals


def sym_upper_matvec(P, x):
    """P x where P holds the upper triangle of a symmetric matrix."""
    return P @ x + P.T @ x - P.diagonal() * x


def _inf_norm(v) -> float:
    return float(np.max(np.abs(v))) if np.size(v) else 0.0


def residuals(P, q, A, l, u, x, y, eps_abs, eps_rel) -> dict:
    """Residuals of (x, y) from the data alone, OSQP's unscaled definitions and tolerances:

      primal = ‖Ax − Π_[l,u](Ax)‖∞,  tol_p = eps_abs + eps_rel·max(‖Ax‖∞, ‖Π(Ax)‖∞)
      dual   = ‖Px + q + Aᵀy‖∞,      tol_d = eps_abs + eps_rel·max(‖Px‖∞, ‖Aᵀy‖∞, ‖q‖∞)
      rel_primal = primal / tol_p,   rel_dual = dual / tol_d   (≤ 1 passes; the Swift side's
      IndependentResiduals), verified = rel_primal ≤ 1 and rel_dual ≤ 1.

    P is the upper triangle; y uses OSQP's sign convention (y > 0 at an active upper bound).
    A missing or non-finite x or y gives residual None and verified False."""
    out = dict(primal_residual=None, dual_residual=None, rel_primal=None, rel_dual=None, verified=False)
    if x is None or y is None:
        return out
    x = np.asarray(x, float).ravel()
    y = np.asarray(y, float).ravel()
    if x.shape[0] != q.shape[0] or y.shape[0] != l.shape[0]:
        return out
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        return out
    ax = A @ x
    z = np.minimum(np.maximum(ax, l), u)
    px = sym_upper_matvec(P, x)
    aty = A.T @ y
    rp = _inf_norm(ax - z)
    rd = _inf_norm(px + q + aty)
    tp = eps_abs + eps_rel * max(_inf_norm(ax), _inf_norm(z))
    td = eps_abs + eps_rel * max(_inf_norm(px), _inf_norm(aty), _inf_norm(q))
    out.update(primal_residual=rp, dual_residual=rd, rel_primal=rp / tp, rel_dual=rd / td)
    out["verified"] = bool(rp <= tp and rd <= td)
    return out


def full_from_upper(P):
    """The symmetric matrix whose upper triangle P holds (CSC)."""
    import scipy.sparse as sp
    return (P + sp.triu(P, k=1, format="csc").T).tocsc()


def objective(P, q, r, x):
    """½xᵀPx + qᵀx + r with P the upper triangle; None if x is missing/non-finite."""
    if x is None:
        return None
    x = np.asarray(x, float).ravel()
    if not np.all(np.isfinite(x)):
        return None
    return float(0.5 * x @ sym_upper_matvec(P, x) + q @ x + r)


def row_sets(l, u):
    """Index arrays (eq, lo, hi): equality rows (l = u); other rows with a finite lower side;
    other rows with a finite upper side (a two-sided row is in lo and hi)."""
    eq = l == u
    return np.flatnonzero(eq), np.flatnonzero(~eq & np.isfinite(l)), np.flatnonzero(~eq & np.isfinite(u))


def split_rows(P_full, q, A, l, u):
    """Dense (P, q, G, h, Aeq, b) from l ≤ Ax ≤ u, for qpth / cvxpylayers:
    Aeq = A[eq], b = l[eq];  G = [−A[lo]; A[hi]], h = [−l[lo]; u[hi]]  (row_sets order), so a
    multiplier vector (ν, λ) maps back to OSQP's y as y[eq] = ν, y[lo] −= λ[:|lo|], y[hi] += λ[|lo|:]."""
    eq, lo, hi = row_sets(l, u)
    Ad = A.toarray() if hasattr(A, "toarray") else np.asarray(A)
    G = np.vstack([-Ad[lo], Ad[hi]])
    h = np.concatenate([-l[lo], u[hi]])
    Pd = P_full.toarray() if hasattr(P_full, "toarray") else np.asarray(P_full)
    return Pd, np.array(q, float), G, h, Ad[eq], np.array(l[eq], float)


# ---------------------------------------------------------------- memory


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS counter (VmHWM) to the current RSS (Linux ≥ 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def vm_mib(field: str = "VmHWM"):
    """A /proc/self/status size field in MiB (VmHWM = peak RSS, VmRSS = current), None if absent."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


# ---------------------------------------------------------------- child processes


def run_child(argv, timeout, result_file, env=None):
    """Run argv (a child that writes one JSON object to result_file) with a wall-clock limit.

    Returns (record or None, error or None, info) where info = {'wall_time', 'returncode',
    'ru_maxrss_mib' (this child's own peak RSS over its whole life, from wait4), 'stderr_tail'}.
    Errors:
      "timeout"                                   killed (SIGKILL to its process group) after `timeout` s
      "out of memory"                             the child reported MemoryError, or died by a SIGKILL
                                                  that we did not send (the kernel's OOM killer)
      "failed: <last stderr line | exit code>"    any other abnormal exit
    A record the child wrote with its own "error" (e.g. "failed: ...") is returned with that error.
    """
    import tempfile
    import threading
    try:
        os.unlink(result_file)
    except FileNotFoundError:
        pass
    errf = tempfile.TemporaryFile(mode="w+")
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errf, start_new_session=True, env=env)
    box = {}

    def reap():  # wait4 gives this child's rusage (RUSAGE_CHILDREN would be a running max)
        _, status, ru = os.wait4(proc.pid, 0)
        box["status"], box["ru"] = status, ru

    th = threading.Thread(target=reap, daemon=True)
    th.start()
    th.join(timeout)
    timed_out = th.is_alive()
    if timed_out:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        th.join()
    wall = time.perf_counter() - t0
    status = box["status"]
    rc = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
    proc.returncode = rc  # already reaped; keep Popen from waiting again
    errf.seek(0)
    err = errf.read()
    errf.close()
    tail = err.strip().splitlines()[-5:]
    info = dict(wall_time=wall, returncode=rc, ru_maxrss_mib=box["ru"].ru_maxrss / 1024.0, stderr_tail=tail)
    rec = None
    if os.path.exists(result_file):
        try:
            with open(result_file) as f:
                rec = json.load(f)
        except (OSError, ValueError):
            rec = None
    if timed_out:
        return rec, "timeout", info
    if rec is not None and rc == 0:
        return rec, rec.get("error"), info
    if rc in (-signal.SIGKILL, 137) or "MemoryError" in err:
        return rec, "out of memory", info
    last = tail[-1] if tail else f"exit {rc}"
    return rec, f"failed: {last[:300]}", info


def json_clean(obj):
    """Recursively: non-finite floats → None, numpy scalars/arrays → Python."""
    if isinstance(obj, dict):
        return {str(k): json_clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [json_clean(v) for v in obj.tolist()]
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        return v if math.isfinite(v) else None
    return obj
