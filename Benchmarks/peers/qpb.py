#!/usr/bin/env python3
"""Reader and writer of SparseQP's binary QP format (.qpb), and one entry point for .qpb or QPS.

Problem form:  minimize ½ xᵀPx + qᵀx + r  subject to  l ≤ Ax ≤ u.

.qpb layout (little-endian, no padding; everything 8 bytes wide):

    offset 0    8 bytes   ASCII magic "SPQPBIN1"
    offset 8    int64     n        (variables)
    offset 16   int64     m        (constraint rows)
    offset 24   int64     nnzP     (entries of the upper triangle of P, diagonal included)
    offset 32   int64     nnzA
    offset 40   float64   r        (objective constant)            -> header is 48 bytes
    P, upper triangle, CSC n×n:  int64 colptr[n+1], int64 rowind[nnzP], float64 values[nnzP]
    float64 q[n]
    A, CSC m×n:                  int64 colptr[n+1], int64 rowind[nnzA], float64 values[nnzA]
    float64 l[m]
    float64 u[m]               (infinite sides are IEEE ±inf)

The file size is therefore exactly 48 + 8·(2(n+1) + 2·nnzP + 2·nnzA + n + 2m) bytes.

read_qpb validates: the magic, non-negative sizes, the exact file size, colptr[0] = 0,
non-decreasing colptr with colptr[n] = nnz, row indices in range, P entries on or above the
diagonal (row ≤ column), row indices strictly increasing inside each column (canonical CSC: sorted,
no duplicates), no NaN in the data, no +inf in l / −inf in u, l ≤ u. Every violation raises
QPBError (a ValueError) naming the file and what is wrong.

Python use (from Benchmarks/peers, or with it on sys.path):

    from qpb import read_problem, read_qpb, write_qpb, read_header
    P, q, A, l, u, r = read_problem("problem.qpb")     # or "problem.qps" (via qps.py)
    write_qpb("out.qpb", P, q, A, l, u, r=0.0)          # P: upper triangle is taken (sp.triu)
    read_header("problem.qpb")                          # {'n','m','nnz_p','nnz_a','r'} only

read_problem dispatches on the extension: .qpb → read_qpb; .qps / .mps (any case) → qps.read_qps
with its default conventions (bound_rows="finite": one identity row of A per column with a finite
bound, after the constraint rows; P upper triangle), the same conventions as SparseQP's QPS reader.

Command line (prints the sizes of each file and round-trip checks .qpb files):

    Benchmarks/peers/.venv/bin/python Benchmarks/peers/qpb.py FILE.qpb|FILE.qps ...
"""
from __future__ import annotations

import os
import struct
import sys
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

MAGIC = b"SPQPBIN1"
HEADER_BYTES = 48
_HEADER = struct.Struct("<8sqqqqd")
assert _HEADER.size == HEADER_BYTES


class QPBError(ValueError):
    pass


class Problem(NamedTuple):
    """½xᵀPx + qᵀx + r s.t. l ≤ Ax ≤ u; P is the upper triangle (CSC), A is CSC."""
    P: sp.csc_matrix
    q: np.ndarray
    A: sp.csc_matrix
    l: np.ndarray
    u: np.ndarray
    r: float


def expected_size(n: int, m: int, nnz_p: int, nnz_a: int) -> int:
    return HEADER_BYTES + 8 * (2 * (n + 1) + 2 * nnz_p + 2 * nnz_a + n + 2 * m)


def _parse_header(buf: bytes, path: str) -> dict:
    if len(buf) < HEADER_BYTES:
        raise QPBError(f"{path}: {len(buf)} bytes, shorter than the {HEADER_BYTES}-byte .qpb header")
    magic, n, m, nnz_p, nnz_a, r = _HEADER.unpack_from(buf, 0)
    if magic != MAGIC:
        raise QPBError(f"{path}: bad magic {magic!r} (expected {MAGIC!r}); not a .qpb file")
    for name, v in (("n", n), ("m", m), ("nnzP", nnz_p), ("nnzA", nnz_a)):
        if v < 0:
            raise QPBError(f"{path}: negative {name} = {v} in the header")
    if nnz_p > n * (n + 1) // 2:
        raise QPBError(f"{path}: nnzP = {nnz_p} exceeds n(n+1)/2 = {n * (n + 1) // 2} (upper triangle)")
    if nnz_a > n * m:
        raise QPBError(f"{path}: nnzA = {nnz_a} exceeds m·n = {m * n}")
    if not np.isfinite(r):
        raise QPBError(f"{path}: objective constant is {r}")
    return dict(n=int(n), m=int(m), nnz_p=int(nnz_p), nnz_a=int(nnz_a), r=float(r))


def read_header(path: str) -> dict:
    """Sizes and constant from the 48-byte header only: {'n', 'm', 'nnz_p', 'nnz_a', 'r'}."""
    with open(path, "rb") as f:
        head = _parse_header(f.read(HEADER_BYTES), path)
    size = os.path.getsize(path)
    want = expected_size(head["n"], head["m"], head["nnz_p"], head["nnz_a"])
    if size != want:
        raise QPBError(f"{path}: file is {size} bytes, the header (n={head['n']}, m={head['m']}, "
                       f"nnzP={head['nnz_p']}, nnzA={head['nnz_a']}) implies {want}")
    return head


def _check_csc(path, what, colptr, rowind, nrows, ncols, upper):
    nnz = rowind.shape[0]
    if colptr[0] != 0:
        raise QPBError(f"{path}: {what}.colptr[0] = {colptr[0]}, expected 0")
    if colptr[-1] != nnz:
        raise QPBError(f"{path}: {what}.colptr[{ncols}] = {colptr[-1]}, expected nnz = {nnz}")
    d = np.diff(colptr)
    if np.any(d < 0):
        j = int(np.flatnonzero(d < 0)[0])
        raise QPBError(f"{path}: {what}.colptr decreases at column {j} ({colptr[j]} > {colptr[j + 1]})")
    if nnz == 0:
        return
    bad = (rowind < 0) | (rowind >= nrows)
    if np.any(bad):
        k = int(np.flatnonzero(bad)[0])
        raise QPBError(f"{path}: {what}.rowind[{k}] = {rowind[k]} out of range 0..{nrows - 1}")
    cols = np.repeat(np.arange(ncols, dtype=np.int64), d)
    if upper:
        low = rowind > cols
        if np.any(low):
            k = int(np.flatnonzero(low)[0])
            raise QPBError(f"{path}: {what} entry ({rowind[k]}, {cols[k]}) is below the diagonal "
                           "(P must be stored as its upper triangle)")
    # Strictly increasing rows inside each column.
    same_col = cols[1:] == cols[:-1]
    nonincr = same_col & (rowind[1:] <= rowind[:-1])
    if np.any(nonincr):
        k = int(np.flatnonzero(nonincr)[0])
        raise QPBError(f"{path}: {what} column {cols[k]}: row indices not strictly increasing "
                       f"({rowind[k]} then {rowind[k + 1]}); unsorted or duplicate entry")


def read_qpb(path: str) -> Problem:
    with open(path, "rb") as f:
        buf = f.read()
    h = _parse_header(buf, path)
    n, m, nnz_p, nnz_a = h["n"], h["m"], h["nnz_p"], h["nnz_a"]
    want = expected_size(n, m, nnz_p, nnz_a)
    if len(buf) != want:
        kind = "truncated" if len(buf) < want else "has trailing bytes"
        raise QPBError(f"{path}: file {kind}: {len(buf)} bytes, the header (n={n}, m={m}, nnzP={nnz_p}, "
                       f"nnzA={nnz_a}) implies {want}")
    off = HEADER_BYTES

    def take(dtype, count):
        nonlocal off
        a = np.frombuffer(buf, dtype=dtype, count=count, offset=off)
        off += 8 * count
        return a.copy()

    i8, f8 = np.dtype("<i8"), np.dtype("<f8")
    p_ptr, p_ind, p_val = take(i8, n + 1), take(i8, nnz_p), take(f8, nnz_p)
    q = take(f8, n)
    a_ptr, a_ind, a_val = take(i8, n + 1), take(i8, nnz_a), take(f8, nnz_a)
    l, u = take(f8, m), take(f8, m)
    assert off == len(buf)

    _check_csc(path, "P", p_ptr, p_ind, n, n, upper=True)
    _check_csc(path, "A", a_ptr, a_ind, m, n, upper=False)
    for name, v in (("P.values", p_val), ("A.values", a_val), ("q", q)):
        if not np.all(np.isfinite(v)):
            k = int(np.flatnonzero(~np.isfinite(v))[0])
            raise QPBError(f"{path}: {name}[{k}] = {v[k]} (must be finite)")
    for name, v in (("l", l), ("u", u)):
        if np.any(np.isnan(v)):
            raise QPBError(f"{path}: {name}[{int(np.flatnonzero(np.isnan(v))[0])}] is NaN")
    if np.any(l == np.inf):
        raise QPBError(f"{path}: l[{int(np.flatnonzero(l == np.inf)[0])}] = +inf")
    if np.any(u == -np.inf):
        raise QPBError(f"{path}: u[{int(np.flatnonzero(u == -np.inf)[0])}] = -inf")
    if np.any(l > u):
        k = int(np.flatnonzero(l > u)[0])
        raise QPBError(f"{path}: l[{k}] = {l[k]} > u[{k}] = {u[k]}")

    P = sp.csc_matrix((p_val, p_ind, p_ptr), shape=(n, n))
    A = sp.csc_matrix((a_val, a_ind, a_ptr), shape=(m, n))
    return Problem(P, q, A, l, u, h["r"])


def write_qpb(path: str, P, q, A, l, u, r: float = 0.0) -> None:
    """Write a .qpb file. P may be full symmetric or upper: its upper triangle is stored."""
    q = np.ascontiguousarray(q, dtype="<f8").ravel()
    l = np.ascontiguousarray(l, dtype="<f8").ravel()
    u = np.ascontiguousarray(u, dtype="<f8").ravel()
    n, m = q.shape[0], l.shape[0]
    Pu = sp.triu(sp.csc_matrix(P, dtype=float), format="csc")
    Pu.sum_duplicates(); Pu.sort_indices()
    A = sp.csc_matrix(A, dtype=float)
    A.sum_duplicates(); A.sort_indices()
    if Pu.shape != (n, n):
        raise QPBError(f"P is {Pu.shape}, expected ({n}, {n})")
    if A.shape != (m, n):
        raise QPBError(f"A is {A.shape}, expected ({m}, {n})")
    if u.shape[0] != m:
        raise QPBError(f"u has length {u.shape[0]}, l has {m}")
    with open(path, "wb") as f:
        f.write(_HEADER.pack(MAGIC, n, m, Pu.nnz, A.nnz, float(r)))
        for arr, dt in ((Pu.indptr, "<i8"), (Pu.indices, "<i8"), (Pu.data, "<f8"), (q, "<f8"),
                        (A.indptr, "<i8"), (A.indices, "<i8"), (A.data, "<f8"), (l, "<f8"), (u, "<f8")):
            f.write(np.ascontiguousarray(arr, dtype=dt).tobytes())


def is_qps(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in (".qps", ".mps")


def read_problem(path: str) -> Problem:
    """.qpb → read_qpb; .qps/.mps → qps.read_qps (finite-bound rows appended to A, P upper)."""
    ext = os.path.splitext(path)[1].lower()
    if ext == ".qpb":
        return read_qpb(path)
    if is_qps(path):
        here = os.path.dirname(os.path.abspath(__file__))
        if here not in sys.path:
            sys.path.insert(0, here)
        from qps import read_qps
        qp = read_qps(path)
        P = sp.csc_matrix(qp.P); P.sort_indices()
        A = sp.csc_matrix(qp.A); A.sort_indices()
        return Problem(P, np.asarray(qp.q, float), A, np.asarray(qp.l, float), np.asarray(qp.u, float), float(qp.r) + 0.0)
    raise QPBError(f"{path}: unknown extension {ext!r} (expected .qpb, .qps or .mps)")


def problem_dims(path: str) -> dict:
    """{'n','m','nnz_p','nnz_a'}: from the header for .qpb, by reading the whole file for QPS."""
    if os.path.splitext(path)[1].lower() == ".qpb":
        h = read_header(path)
        return {k: h[k] for k in ("n", "m", "nnz_p", "nnz_a")}
    P, q, A, l, u, r = read_problem(path)
    return dict(n=int(q.shape[0]), m=int(l.shape[0]), nnz_p=int(P.nnz), nnz_a=int(A.nnz))


def _main(argv):
    import tempfile
    for path in argv:
        P, q, A, l, u, r = read_problem(path)
        msg = f"{path}: n={q.shape[0]} m={l.shape[0]} nnzP(upper)={P.nnz} nnzA={A.nnz} r={r}"
        if path.lower().endswith(".qpb"):
            with tempfile.TemporaryDirectory() as d:
                t = os.path.join(d, "rt.qpb")
                write_qpb(t, P, q, A, l, u, r)
                with open(path, "rb") as a, open(t, "rb") as b:
                    msg += "  round trip: " + ("identical" if a.read() == b.read() else "DIFFERS")
        print(msg)


if __name__ == "__main__":
    _main(sys.argv[1:])
