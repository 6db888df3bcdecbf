"""SparseQP: sparse convex QP solver with implicit differentiation.

    import sparseqp
    s = sparseqp.Solver()
    s.setup(P, q, A, l, u, eps_abs=1e-6, eps_rel=1e-6)
    r = s.solve()            # r.x, r.y, r.info.status, r.profile
    g = s.adjoint(dx=...)    # g.dP, g.dq, g.dA, g.dl, g.du, g.info

The PyTorch layer is `sparseqp.torch.QPLayer` (imported on demand: torch is optional).
"""
from . import _ffi
from .errors import (DerivativeError, FactorizationError, InvalidArgumentError, InvalidProblemError,
                     InvalidSettingsError, NotSolvedError, SparseQPError, StateError)
from .solver import BackwardInfo, Gradients, Info, Profile, Results, Solver

__version__ = _ffi.lib.sqp_version().decode()

__all__ = ["Solver", "Results", "Info", "Profile", "BackwardInfo", "Gradients", "SparseQPError",
           "InvalidArgumentError", "InvalidSettingsError", "InvalidProblemError", "FactorizationError",
           "NotSolvedError", "DerivativeError", "StateError"]
