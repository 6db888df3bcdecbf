"""`sparseqp.Solver`: an OSQP-style interface to the SparseQP solver and its derivatives."""
import ctypes
from dataclasses import dataclass, field, fields
from typing import Optional

import numpy as np
import scipy.sparse as sp

from . import _ffi, settings as _settings
from ._arrays import CSCView, bounds, csc, pointer, vector
from .errors import NotSolvedError, error_for

POLISH = ("not_run", "succeeded", "rejected", "failed")


def _index_pointer(a):
    """An int64_t* for an int64 array, or NULL for None."""
    return None if a is None else a.ctypes.data_as(ctypes.POINTER(ctypes.c_int64))


def _with_entries(m: sp.csc_matrix, values: np.ndarray, indices) -> sp.csc_matrix:
    """`m` with its values replaced (all, or at `indices`, a repeated index keeping its last value)."""
    data = values.copy() if indices is None else m.data.copy()
    if indices is not None:
        reversed_idx = indices[::-1]
        unique, last = np.unique(reversed_idx, return_index=True)
        data[unique] = values[::-1][last]
    return sp.csc_matrix((data, m.indices, m.indptr), shape=m.shape)
INTERIOR_POINT = ("not_run", "succeeded", "failed")


@dataclass
class Info:
    """What a solve did. `status` uses the CLI JSON's strings ("solved", "primal_infeasible", ...)."""
    status: str
    status_val: int
    iter: int
    obj_val: float
    prim_res: float
    dual_res: float
    duality_gap: float
    rho_estimate: float
    rho_updates: int
    polish: str
    interior_point: str
    interior_point_iter: int
    setup_time: float
    solve_time: float
    polish_time: float
    interior_point_time: float
    run_time: float
    # The method run first ("admm" or "interior_point"; the `method` setting "auto" picks one).
    method: str

    @staticmethod
    def from_c(i: _ffi.Info) -> "Info":
        return Info(status=_ffi.status_name(i.status), status_val=i.status, iter=i.iterations, obj_val=i.objective,
                    prim_res=i.primal_residual, dual_res=i.dual_residual, duality_gap=i.duality_gap,
                    rho_estimate=i.rho, rho_updates=i.rho_updates, polish=POLISH[i.polish],
                    interior_point=INTERIOR_POINT[i.interior_point],
                    interior_point_iter=i.interior_point_iterations, setup_time=i.setup_time,
                    solve_time=i.solve_time, polish_time=i.polish_time,
                    interior_point_time=i.interior_point_time, run_time=i.run_time,
                    method={1: "admm", 2: "interior_point"}.get(i.method, "admm"))


def _struct_dict(s: ctypes.Structure) -> dict:
    return {name: getattr(s, name) for name, _ in s._fields_ if name not in ("reserved", "struct_size")}


@dataclass
class Profile:
    """Factorization counts and times (the KKT module's profile)."""
    strategy: str
    ordering: str
    dimension: int
    matrix_nonzeros: int
    symbolic_analyses: int
    symbolic_time: float
    selection_analyses: int
    selection_time: float
    numeric_factorizations: int
    numeric_time: float
    solves: int
    solve_time: float
    refinement_steps: int
    nonzeros_in_L: int
    predicted_nonzeros_in_L: float
    predicted_flops: float
    peak_memory_bytes: int

    @staticmethod
    def from_c(p: _ffi.Profile) -> "Profile":
        d = _struct_dict(p)
        d["strategy"] = {1: "kkt", 2: "reduced"}.get(p.strategy, "unknown")
        d["ordering"] = ("auto", "amd", "metis")[p.ordering] if 0 <= p.ordering < 3 else "unknown"
        return Profile(**d)


@dataclass
class BackwardInfo:
    """What a derivative means and how accurate it is (see the C header and Sources/Implicit).

    `multipliers_unique` is None when not determined."""
    forward_status: str
    rule: str
    upper_active: int
    lower_active: int
    equality: int
    weakly_active: int
    inactive: int
    active_rows: int
    ambiguous_rows: int
    active_set_ambiguous: bool
    active_set_certified: bool
    multipliers_unique: Optional[bool]
    degenerate: bool
    differentiable: bool
    one_sided: bool
    converged: bool
    factorization_reused: bool
    dual_activity_tolerance: float
    regularization: float
    forward_eps_abs: float
    forward_eps_rel: float
    forward_primal_residual: float
    forward_dual_residual: float
    refinement_steps: int
    residual: float
    numeric_factorizations: int
    symbolic_analyses_total: int
    least_squares_iterations: int
    pieces: int
    enforced_weakly_active: int
    crossover_rounds: int
    crossover_factorizations: int
    crossover_resolved: bool
    distance_to_returned_point: float
    identification_time: float
    time: float

    @staticmethod
    def from_c(b: _ffi.BackwardInfo) -> "BackwardInfo":
        d = _struct_dict(b)
        d["forward_status"] = _ffi.status_name(b.forward_status)
        d["rule"] = "kkt" if b.rule == 0 else "fixed_point"
        d["multipliers_unique"] = None if b.multipliers_unique < 0 else bool(b.multipliers_unique)
        bools = {f.name for f in fields(BackwardInfo) if f.type in (bool, "bool")}
        for k in bools:
            d[k] = bool(d[k])
        return BackwardInfo(**d)


@dataclass
class Results:
    """x and y (None when the status has no point: infeasible, non-convex, numerical error)."""
    x: Optional[np.ndarray]
    y: Optional[np.ndarray]
    info: Info
    profile: Optional[Profile] = None


@dataclass
class Gradients:
    """Gradients of dxᵀx* + dyᵀy*: dP on P's upper-triangle pattern, dA on A's pattern (scipy CSC)."""
    dP: sp.csc_matrix
    dq: np.ndarray
    dA: sp.csc_matrix
    dl: np.ndarray
    du: np.ndarray
    info: BackwardInfo = field(repr=False, default=None)


class Solver:
    """OSQP-style solver: setup(P, q, A, l, u, **settings), solve(), update(...), warm_start(...),
    adjoint(dx, dy) and jvp(...) at the last solve. Not thread-safe: one thread per instance."""

    def __init__(self):
        self._handle = _ffi.lib.sqp_solver_new()
        if not self._handle:
            raise MemoryError("sparseqp: cannot allocate a solver")
        self._settings = None
        self.n = self.m = 0
        self._P = self._A = None

    def __del__(self):
        handle = getattr(self, "_handle", None)
        if handle:
            _ffi.lib.sqp_solver_free(handle)
            self._handle = None

    def _check(self, code: int):
        if code != 0:
            message = _ffi.lib.sqp_solver_error_message(self._handle).decode()
            raise error_for(code, message)

    def setup(self, P, q, A, l, u, **settings):
        """P: n×n (scipy.sparse or dense; its upper triangle is used, as OSQP does), A: m×n,
        q (n), l and u (m, ±inf for no bound). Keyword settings: see `sparseqp.settings`."""
        s = _settings.make(**settings)
        Pm = csc(P, "P", upper=True)
        n = Pm.shape[1]
        if Pm.shape[0] != n:
            raise error_for(2, f"P has shape {Pm.shape}, expected square")
        if A is None:
            A = sp.csc_matrix((0, n))
        Am = csc(A, "A")
        if Am.shape[1] != n:
            raise error_for(2, f"A has shape {Am.shape}, expected ({Am.shape[0]}, {n})")
        m = Am.shape[0]
        qv = vector(q, n, "q")
        lv = bounds(np.full(m, -np.inf) if l is None else l, m, "l")
        uv = bounds(np.full(m, np.inf) if u is None else u, m, "u")
        Pv, Av = CSCView(Pm), CSCView(Am)
        self._check(_ffi.lib.sqp_solver_setup(self._handle, ctypes.byref(s), Pv.ref, pointer(qv), n, Av.ref,
                                              pointer(lv), m, pointer(uv), m))
        self._settings = s
        self.n, self.m = n, m
        self._P, self._A = Pm, Am

    @property
    def settings(self) -> dict:
        return _settings.as_dict(self._settings) if self._settings is not None else {}

    def update_settings(self, **settings):
        if self._settings is None:
            raise error_for(8, "the solver is not set up (call setup first)")
        s = _ffi.Settings()
        ctypes.memmove(ctypes.byref(s), ctypes.byref(self._settings), ctypes.sizeof(s))
        _settings.apply(s, settings)
        self._check(_ffi.lib.sqp_solver_update_settings(self._handle, ctypes.byref(s)))
        self._settings = s

    def solve(self) -> Results:
        x = np.empty(self.n)
        y = np.empty(self.m)
        info = _ffi.Info()
        self._check(_ffi.lib.sqp_solver_solve(self._handle, pointer(x), pointer(y), ctypes.byref(info)))
        has_point = bool(info.has_solution)
        return Results(x=x if has_point else None, y=y if has_point else None, info=Info.from_c(info),
                       profile=self.profile())

    def profile(self) -> Optional[Profile]:
        p = _ffi.Profile()
        code = _ffi.lib.sqp_solver_profile(self._handle, ctypes.byref(p))
        return Profile.from_c(p) if code == 0 else None

    def warm_start(self, x=None, y=None):
        xv = None if x is None else vector(x, self.n, "x")
        yv = None if y is None else vector(y, self.m, "y")
        self._check(_ffi.lib.sqp_solver_warm_start(self._handle, pointer(xv), self.n, pointer(yv), self.m))

    def update(self, q=None, l=None, u=None, Px=None, Px_idx=None, Ax=None, Ax_idx=None):
        """New q, l, u and/or values of P and A, with OSQP's semantics: `Px` holds values of P's
        upper-triangle pattern in CSC order (`P.data` after setup's `scipy.sparse.triu`), `Px_idx`
        their positions in that array (0-based); without `Px_idx` (None or empty, OSQP's default)
        `Px` holds all nnz(P) values. Likewise `Ax`/`Ax_idx` for A. A repeated index keeps its last
        value. A bad index raises `InvalidArgumentError` (a ValueError) naming its position and
        value, and nothing is changed. One numeric refactorization, no new symbolic analysis."""
        if Px is not None or Ax is not None or Px_idx is not None or Ax_idx is not None:
            Pv, Pi = self._entries(Px, Px_idx, self._P, "P")
            Av, Ai = self._entries(Ax, Ax_idx, self._A, "A")
            self._check(_ffi.lib.sqp_solver_update_matrix_entries(
                self._handle, pointer(Pv), _index_pointer(Pi), self._P.nnz if Pi is None else len(Pi),
                pointer(Av), _index_pointer(Ai), self._A.nnz if Ai is None else len(Ai)))
            if Pv is not None:
                self._P = _with_entries(self._P, Pv, Pi)
            if Av is not None:
                self._A = _with_entries(self._A, Av, Ai)
        if q is not None or l is not None or u is not None:
            qv = None if q is None else vector(q, self.n, "q")
            lv = None if l is None else bounds(l, self.m, "l")
            uv = None if u is None else bounds(u, self.m, "u")
            self._check(_ffi.lib.sqp_solver_update_vectors(self._handle, pointer(qv), self.n, pointer(lv), self.m,
                                                           pointer(uv), self.m))

    @staticmethod
    def _entries(values, indices, matrix: sp.csc_matrix, name: str):
        """(values, indices or None) for an update of `matrix`'s values, checked for dtype and length."""
        if values is None:
            if indices is not None and len(np.atleast_1d(indices)) > 0:
                raise error_for(2, f"{name}x_idx given without {name}x")
            return None, None
        if indices is None or len(np.atleast_1d(indices)) == 0:
            return vector(values, matrix.nnz, f"{name}x"), None
        idx = np.asarray(indices)
        if idx.dtype.kind not in "iu" or idx.ndim != 1:
            raise error_for(2, f"{name}x_idx has dtype {idx.dtype} and shape {idx.shape}, expected 1-D integers")
        idx = np.ascontiguousarray(idx, dtype=np.int64)
        bad = (idx < 0) | (idx >= matrix.nnz)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise error_for(2, f"{name}x_idx[{k}] = {idx[k]} is out of range (0..{matrix.nnz - 1}: nnz({name}) = "
                               f"{matrix.nnz}, {'the upper triangle' if name == 'P' else 'CSC order'})")
        if np.ndim(values) != 1 or len(values) != len(idx):
            raise error_for(2, f"{name}x has shape {np.shape(values)} but {name}x_idx has {len(idx)} indices")
        return vector(values, len(idx), f"{name}x"), idx

    def adjoint(self, dx, dy=None) -> Gradients:
        """Gradients of dxᵀx* + dyᵀy* with respect to P, q, A, l, u at the last solve."""
        dxv = vector(dx, self.n, "dx")
        dyv = None if dy is None else vector(dy, self.m, "dy")
        dP = np.empty(self._P.nnz)
        dq = np.empty(self.n)
        dA = np.empty(self._A.nnz)
        dl = np.empty(self.m)
        du = np.empty(self.m)
        info = _ffi.BackwardInfo()
        self._check_derivative(_ffi.lib.sqp_solver_adjoint(self._handle, pointer(dxv), self.n, pointer(dyv), self.m,
                                                           pointer(dP), pointer(dq), pointer(dA), pointer(dl),
                                                           pointer(du), ctypes.byref(info)))
        return Gradients(dP=sp.csc_matrix((dP, self._P.indices, self._P.indptr), shape=self._P.shape), dq=dq,
                         dA=sp.csc_matrix((dA, self._A.indices, self._A.indptr), shape=self._A.shape), dl=dl, du=du,
                         info=BackwardInfo.from_c(info))

    def jvp(self, dP=None, dq=None, dA=None, dl=None, du=None):
        """(dx*, dy*, BackwardInfo) along a direction: dP, dA as values on P's and A's patterns (arrays of
        nnz entries) or sparse matrices on those patterns; vectors of n / m entries; None means zero."""
        dPv = None if dP is None else self._pattern_values(dP, self._P, "dP")
        dAv = None if dA is None else self._pattern_values(dA, self._A, "dA")
        dqv = None if dq is None else vector(dq, self.n, "dq")
        dlv = None if dl is None else vector(dl, self.m, "dl")
        duv = None if du is None else vector(du, self.m, "du")
        dx = np.empty(self.n)
        dy = np.empty(self.m)
        info = _ffi.BackwardInfo()
        self._check_derivative(_ffi.lib.sqp_solver_jvp(
            self._handle, pointer(dPv), self._P.nnz, pointer(dqv), self.n, pointer(dAv), self._A.nnz,
            pointer(dlv), self.m, pointer(duv), self.m, pointer(dx), pointer(dy), ctypes.byref(info)))
        return dx, dy, BackwardInfo.from_c(info)

    def _check_derivative(self, code: int):
        if code == 6:
            message = _ffi.lib.sqp_solver_error_message(self._handle).decode()
            status = message.split("status ")[1].split(";")[0] if "status " in message else None
            raise NotSolvedError(message, 6, status=status)
        self._check(code)

    @staticmethod
    def _pattern_values(d, pattern: sp.csc_matrix, name: str) -> np.ndarray:
        if not sp.issparse(d):
            return vector(d, pattern.nnz, name)
        m = csc(d, name, upper=pattern is not None and name == "dP", shape=pattern.shape)
        # Values of d at the pattern's positions; an entry of d off the pattern is an error.
        lookup = {}
        for j in range(m.shape[1]):
            for k in range(m.indptr[j], m.indptr[j + 1]):
                lookup[(int(m.indices[k]), j)] = m.data[k]
        out = np.zeros(pattern.nnz)
        for j in range(pattern.shape[1]):
            for k in range(pattern.indptr[j], pattern.indptr[j + 1]):
                out[k] = lookup.pop((int(pattern.indices[k]), j), 0.0)
        extra = [key for key, v in lookup.items() if v != 0]
        if extra:
            raise error_for(2, f"{name} has an entry at {extra[0]} outside the pattern")
        return out
