"""Conversions between numpy/scipy.sparse and the C API's arrays (no copy when already in form)."""
import ctypes

import numpy as np
import scipy.sparse as sp

from . import _ffi
from .errors import InvalidArgumentError


def vector(value, length: int, name: str, allow_inf: bool = False) -> np.ndarray:
    """A contiguous float64 vector of `length` entries (the caller's array when it already is one)."""
    a = np.asarray(value)
    if a.dtype.kind not in "fiub":
        raise InvalidArgumentError(f"{name} has dtype {a.dtype}, expected a real (float64) array", 2)
    a = np.ascontiguousarray(a, dtype=np.float64)
    if a.ndim != 1 or a.shape[0] != length:
        raise InvalidArgumentError(f"{name} has shape {a.shape}, expected ({length},)", 2)
    bad = np.isnan(a) if allow_inf else ~np.isfinite(a)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        # The library's wording (Sources/CSparseQP/Boundary.swift, checkValues).
        message = f"{name}[{k}] is NaN" if allow_inf else f"{name}[{k}] = {a[k]} is not finite"
        raise InvalidArgumentError(message, 2)
    return a


def bounds(value, length: int, name: str) -> np.ndarray:
    """l or u: None means ∓∞; ±∞ allowed, NaN not. OSQP's ±1e30 stay finite (as in the library)."""
    return vector(value, length, name, allow_inf=True)


def pointer(a):
    """A double* for a float64 array, or NULL for None."""
    if a is None:
        return None
    return a.ctypes.data_as(_ffi._DP)


def csc(matrix, name: str, upper: bool = False, shape=None) -> sp.csc_matrix:
    """A canonical CSC matrix (sorted indices, no duplicates, int64 indices, float64 values).

    `upper`: keep the upper triangle (as OSQP's Python interface does with P)."""
    if sp.issparse(matrix):
        m = matrix
    else:
        a = np.asarray(matrix)
        if a.ndim != 2:
            raise InvalidArgumentError(f"{name} must be a 2-D array or a scipy.sparse matrix, got shape {a.shape}", 2)
        m = sp.csc_matrix(a)
    if shape is not None and m.shape != shape:
        raise InvalidArgumentError(f"{name} has shape {m.shape}, expected {shape}", 2)
    if m.dtype.kind not in "fiub":
        raise InvalidArgumentError(f"{name} has dtype {m.dtype}, expected real values", 2)
    if upper:
        m = sp.triu(m, format="csc")
    m = sp.csc_matrix(m, dtype=np.float64)
    if not m.has_canonical_format:
        m = m.copy()
        m.sum_duplicates()
    m.indices = m.indices.astype(np.int64, copy=False)
    m.indptr = m.indptr.astype(np.int64, copy=False)
    return m


class CSCView:
    """An sqp_csc struct over a canonical scipy CSC matrix (keeps the arrays alive)."""

    def __init__(self, m: sp.csc_matrix, with_values: bool = True):
        self.matrix = m
        self.struct = _ffi.CSC(
            m.shape[0], m.shape[1], m.nnz,
            m.indptr.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)),
            m.indices.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)),
            m.data.ctypes.data_as(_ffi._DP) if with_values else None)

    @property
    def ref(self):
        return ctypes.byref(self.struct)
