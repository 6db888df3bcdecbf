"""Independent reader for (free-format) QPS files, for the peer benchmarks.

Problem form returned::

    minimize    ½ xᵀ P x + qᵀ x + r
    subject to  l ≤ A x ≤ u

File conventions (see /work/shared/datasets/README.md):

* Free MPS: whitespace-separated fields; a line starting in column 1 opens a
  section (NAME, ROWS, COLUMNS, RHS, RANGES, BOUNDS, QUADOBJ, ENDATA); lines
  starting with ``*`` are comments.
* ROWS: the objective is the N row named ``obj`` (or, if there is none, the
  first N row).  Any other N row is a *free row*: it is kept as a row of A
  with l = −∞, u = +∞.  E: l = u = rhs; L: u = rhs, l = −∞; G: l = rhs, u = +∞.
* RHS (default 0).  RHS on the objective row holds −r.
* RANGES R:  G → [rhs, rhs + |R|];  L → [rhs − |R|, rhs];
  E → [rhs, rhs + R] if R > 0 else [rhs + R, rhs].
* BOUNDS: LO, UP, FX, FR, MI, PL (and BV as [0, 1]); a column with no entry has
  0 ≤ x < ∞.  UP only sets the upper bound (no implicit lb = −∞ for UP < 0).
* QUADOBJ lists the lower triangle of Q (diagonal included), each
  off-diagonal pair once; the objective is ½ xᵀQx + cᵀx − RHS(obj).
  Repeated entries are summed.
* Any value with |v| ≥ 1e20 is ±∞.

Returned matrices (scipy.sparse CSC, float64):

* ``P``: **upper triangle** of the symmetric Q (what OSQP / Clarabel / PIQP
  expect) unless ``P_triangle="full"`` is requested.  ``P_full`` is always
  available as a property.
* ``A``: the constraint rows in file order, followed by one identity row per
  column, by increasing column index.  ``bound_rows`` decides which columns get
  one:

    - ``"finite"`` (default): columns with at least one finite bound;
    - ``"all"``: every column (this is the convention of ``reference.csv``:
      its ``m`` = constraint rows + n and ``nnzA`` = nnz(constraint rows) + n);
    - ``"none"``: no bound rows (the bounds stay in ``lb``/``ub`` only).

Usage::

    from qps import read_qps
    qp = read_qps("/work/shared/datasets/maros-meszaros/HS21.QPS")
    qp.P, qp.q, qp.A, qp.l, qp.u, qp.r

Command line (sanity check against reference.csv)::

    python qps.py FILE.QPS [...]      # prints n, m, nnz of each file
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

INF_THRESHOLD = 1e20

_SECTIONS = {"NAME", "ROWS", "COLUMNS", "RHS", "RANGES", "BOUNDS",
             "QUADOBJ", "ENDATA", "OBJSENSE"}


class QPSError(ValueError):
    pass


def _num(tok: str, lineno: int) -> float:
    try:
        v = float(tok)
    except ValueError:
        raise QPSError(f"line {lineno}: not a number: {tok!r}") from None
    if v >= INF_THRESHOLD:
        return math.inf
    if v <= -INF_THRESHOLD:
        return -math.inf
    return v


@dataclass
class QP:
    name: str
    P: sp.csc_matrix          # upper triangle (default) or full symmetric Q
    q: np.ndarray             # linear objective, length n
    A: sp.csc_matrix          # constraint rows, then bound rows
    l: np.ndarray
    u: np.ndarray
    r: float                  # objective constant
    n_constraints: int        # number of constraint rows at the top of A
    bound_cols: np.ndarray    # column index of each bound row (A row n_constraints + k)
    lb: np.ndarray            # variable bounds, length n
    ub: np.ndarray
    row_names: list = field(default_factory=list)
    col_names: list = field(default_factory=list)
    P_triangle: str = "upper"

    @property
    def n(self) -> int:
        return self.q.shape[0]

    @property
    def m(self) -> int:
        return self.A.shape[0]

    @property
    def P_full(self) -> sp.csc_matrix:
        if self.P_triangle == "full":
            return self.P
        off = sp.triu(self.P, k=1, format="csc")
        return (self.P + off.T).tocsc()

    def objective(self, x: np.ndarray) -> float:
        """½ xᵀPx + qᵀx + r."""
        Px = self.P_full @ x
        return float(0.5 * x @ Px + self.q @ x + self.r)


def read_qps(path: str, bound_rows: str = "finite", P_triangle: str = "upper") -> QP:
    if bound_rows not in ("finite", "all", "none"):
        raise ValueError("bound_rows must be 'finite', 'all' or 'none'")
    if P_triangle not in ("upper", "full"):
        raise ValueError("P_triangle must be 'upper' or 'full'")

    name = ""
    section = None
    obj_row = None
    row_index: dict[str, int] = {}      # constraint rows (incl. free N rows)
    row_types: list[str] = []
    row_names: list[str] = []
    pending_n: list[str] = []           # N rows seen before we know the objective
    col_index: dict[str, int] = {}
    col_names: list[str] = []
    a_i: list[int] = []
    a_j: list[int] = []
    a_v: list[float] = []
    c_entries: dict[int, float] = {}
    rhs: dict[int, float] = {}
    rng: dict[int, float] = {}
    obj_rhs = 0.0
    bnd: list[tuple[str, int, float]] = []
    q_i: list[int] = []
    q_j: list[int] = []
    q_v: list[float] = []
    saw_end = False

    def col(tok: str, lineno: int, create: bool) -> int:
        j = col_index.get(tok)
        if j is None:
            if not create:
                raise QPSError(f"line {lineno}: unknown column {tok!r}")
            j = len(col_names)
            col_index[tok] = j
            col_names.append(tok)
        return j

    def finish_rows():
        # Decide which N row is the objective; the others become free rows.
        nonlocal obj_row
        if obj_row is not None:
            return
        if "obj" in pending_n:
            obj_row = "obj"
        elif pending_n:
            obj_row = pending_n[0]
        else:
            obj_row = "\0no-objective"

    with open(path, "r") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.rstrip("\n\r")
            if not line.strip() or line.startswith("*"):
                continue
            if not line[0].isspace():
                toks = line.split()
                head = toks[0].upper()
                if head not in _SECTIONS:
                    raise QPSError(f"line {lineno}: unknown section {toks[0]!r}")
                if head == "NAME":
                    name = toks[1] if len(toks) > 1 else ""
                elif head == "ENDATA":
                    saw_end = True
                    break
                elif head == "OBJSENSE" and len(toks) > 1 and toks[1].upper() in ("MAX", "MAXIMIZE"):
                    raise QPSError("OBJSENSE MAX is not supported")
                if section == "ROWS" and head != "ROWS":
                    finish_rows()
                section = head
                continue

            toks = line.split()
            if section == "ROWS":
                typ, rname = toks[0].upper(), toks[1]
                if typ == "N":
                    pending_n.append(rname)
                if typ not in ("N", "E", "L", "G"):
                    raise QPSError(f"line {lineno}: bad row type {toks[0]!r}")
                if rname in row_index:
                    raise QPSError(f"line {lineno}: duplicate row {rname!r}")
                row_index[rname] = len(row_names)
                row_names.append(rname)
                row_types.append(typ)
            elif section == "COLUMNS":
                if len(toks) >= 3 and toks[1].strip("'").upper() == "MARKER":
                    continue
                j = col(toks[0], lineno, create=True)
                if len(toks) not in (3, 5):
                    raise QPSError(f"line {lineno}: bad COLUMNS entry")
                for k in range(1, len(toks), 2):
                    rname, v = toks[k], _num(toks[k + 1], lineno)
                    if rname == obj_row:
                        c_entries[j] = c_entries.get(j, 0.0) + v
                    else:
                        i = row_index.get(rname)
                        if i is None:
                            raise QPSError(f"line {lineno}: unknown row {rname!r}")
                        a_i.append(i)
                        a_j.append(j)
                        a_v.append(v)
            elif section in ("RHS", "RANGES"):
                start = 1 if len(toks) % 2 == 1 else 0   # optional set name
                for k in range(start, len(toks), 2):
                    rname, v = toks[k], _num(toks[k + 1], lineno)
                    if rname == obj_row:
                        if section == "RHS":
                            obj_rhs = v
                        continue
                    i = row_index.get(rname)
                    if i is None:
                        raise QPSError(f"line {lineno}: unknown row {rname!r}")
                    (rhs if section == "RHS" else rng)[i] = v
            elif section == "BOUNDS":
                typ = toks[0].upper()
                if typ in ("FR", "MI", "PL", "BV"):
                    cname = toks[2] if len(toks) >= 3 else toks[1]
                    v = math.nan
                elif typ in ("LO", "UP", "FX", "LI", "UI"):
                    if len(toks) >= 4:
                        cname, v = toks[2], _num(toks[3], lineno)
                    else:
                        cname, v = toks[1], _num(toks[2], lineno)
                else:
                    raise QPSError(f"line {lineno}: bad bound type {toks[0]!r}")
                bnd.append((typ, col(cname, lineno, create=False), v))
            elif section == "QUADOBJ":
                i = col(toks[0], lineno, create=False)
                j = col(toks[1], lineno, create=False)
                v = _num(toks[2], lineno)
                q_i.append(i)
                q_j.append(j)
                q_v.append(v)
            else:
                raise QPSError(f"line {lineno}: data outside a known section ({section})")

    if not saw_end:
        raise QPSError("missing ENDATA")
    finish_rows()

    # Drop the objective row from the constraint rows, renumbering the others.
    if obj_row in row_index:
        oi = row_index[obj_row]
        keep = [k for k in range(len(row_names)) if k != oi]
        remap = np.full(len(row_names), -1, dtype=np.int64)
        remap[keep] = np.arange(len(keep))
        row_names = [row_names[k] for k in keep]
        row_types = [row_types[k] for k in keep]
        a_i = remap[np.asarray(a_i, dtype=np.int64)].tolist() if a_i else []
        rhs = {int(remap[k]): v for k, v in rhs.items()}
        rng = {int(remap[k]): v for k, v in rng.items()}

    mc = len(row_names)
    n = len(col_names)

    # Constraint bounds.
    lc = np.empty(mc)
    uc = np.empty(mc)
    for i, t in enumerate(row_types):
        b = rhs.get(i, 0.0)
        if t == "E":
            lc[i] = uc[i] = b
        elif t == "L":
            lc[i], uc[i] = -math.inf, b
        elif t == "G":
            lc[i], uc[i] = b, math.inf
        else:  # free N row
            lc[i], uc[i] = -math.inf, math.inf
    for i, R in rng.items():
        t = row_types[i]
        b = rhs.get(i, 0.0)
        if t == "G":
            uc[i] = b + abs(R)
        elif t == "L":
            lc[i] = b - abs(R)
        elif t == "E":
            if R >= 0:
                lc[i], uc[i] = b, b + R
            else:
                lc[i], uc[i] = b + R, b

    # Variable bounds.
    lb = np.zeros(n)
    ub = np.full(n, math.inf)
    for typ, j, v in bnd:
        if typ in ("LO", "LI"):
            lb[j] = v
        elif typ in ("UP", "UI"):
            ub[j] = v
        elif typ == "FX":
            lb[j] = ub[j] = v
        elif typ == "FR":
            lb[j], ub[j] = -math.inf, math.inf
        elif typ == "MI":
            lb[j] = -math.inf
        elif typ == "PL":
            ub[j] = math.inf
        elif typ == "BV":
            lb[j], ub[j] = 0.0, 1.0

    Ac = sp.csc_matrix((np.asarray(a_v, dtype=float), (np.asarray(a_i, dtype=np.int64),
                        np.asarray(a_j, dtype=np.int64))), shape=(mc, n))
    Ac.sum_duplicates()

    if bound_rows == "all":
        bcols = np.arange(n)
    elif bound_rows == "finite":
        bcols = np.flatnonzero(np.isfinite(lb) | np.isfinite(ub))
    else:
        bcols = np.zeros(0, dtype=np.int64)
    Ib = sp.csc_matrix((np.ones(len(bcols)), (np.arange(len(bcols)), bcols)),
                       shape=(len(bcols), n))
    A = sp.vstack([Ac, Ib], format="csc")
    l = np.concatenate([lc, lb[bcols]])
    u = np.concatenate([uc, ub[bcols]])

    # Quadratic part: symmetric Q from the listed triangle.
    qi = np.asarray(q_i, dtype=np.int64)
    qj = np.asarray(q_j, dtype=np.int64)
    qv = np.asarray(q_v, dtype=float)
    off = qi != qj
    rows = np.concatenate([qi, qj[off]])
    cols = np.concatenate([qj, qi[off]])
    vals = np.concatenate([qv, qv[off]])
    Qfull = sp.csc_matrix((vals, (rows, cols)), shape=(n, n))
    Qfull.sum_duplicates()
    P = Qfull if P_triangle == "full" else sp.triu(Qfull, format="csc")
    P.sort_indices()
    A.sort_indices()

    q = np.zeros(n)
    for j, v in c_entries.items():
        q[j] = v

    return QP(name=name, P=P.tocsc(), q=q, A=A, l=l, u=u, r=-obj_rhs,
              n_constraints=mc, bound_cols=bcols, lb=lb, ub=ub,
              row_names=row_names, col_names=col_names, P_triangle=P_triangle)


def _main(argv):
    for path in argv:
        qp = read_qps(path, bound_rows="all")
        print(f"{qp.name}: n={qp.n} m={qp.m} (constraints {qp.n_constraints}) "
              f"nnzP(full)={qp.P_full.nnz} nnzA={qp.A.nnz} r={qp.r}")


if __name__ == "__main__":
    _main(sys.argv[1:])
