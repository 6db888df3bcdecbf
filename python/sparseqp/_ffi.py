"""ctypes declarations of sparseqp.h (the C API of libsparseqp_c.so) and the library loader."""
import ctypes
import os
from ctypes import POINTER, c_char_p, c_double, c_int32, c_int64, c_void_p
from pathlib import Path

_d = c_double
_i64 = c_int64
_i32 = c_int32


class Settings(ctypes.Structure):
    _fields_ = [
        ("struct_size", _i64), ("rho", _d), ("sigma", _d), ("alpha", _d), ("eps_abs", _d), ("eps_rel", _d),
        ("eps_prim_inf", _d), ("eps_dual_inf", _d), ("max_iter", _i64), ("check_termination", _i64),
        ("scaling", _i64), ("adaptive_rho", _i32), ("polishing", _i32), ("interior_point", _i32),
        ("warm_starting", _i32), ("verbose", _i32), ("strategy", _i32), ("time_limit", _d), ("rule", _i32),
        ("allow_inaccurate", _i32), ("allow_ambiguous", _i32), ("crossover", _i32),
        ("derivative_regularization", _d), ("workers", _i64), ("method", _i32),
    ]


class Info(ctypes.Structure):
    _fields_ = [
        ("status", _i32), ("polish", _i32), ("interior_point", _i32), ("has_solution", _i32),
        ("iterations", _i64), ("interior_point_iterations", _i64), ("rho_updates", _i64), ("objective", _d),
        ("primal_residual", _d), ("dual_residual", _d), ("duality_gap", _d), ("rho", _d), ("setup_time", _d),
        ("solve_time", _d), ("polish_time", _d), ("interior_point_time", _d), ("run_time", _d),
        ("method", _i32),
    ]


class Profile(ctypes.Structure):
    _fields_ = [
        ("strategy", _i32), ("ordering", _i32), ("dimension", _i64), ("matrix_nonzeros", _i64),
        ("symbolic_analyses", _i64), ("symbolic_time", _d), ("selection_analyses", _i64), ("selection_time", _d),
        ("numeric_factorizations", _i64), ("numeric_time", _d), ("solves", _i64), ("solve_time", _d),
        ("refinement_steps", _i64), ("nonzeros_in_L", _i64), ("predicted_nonzeros_in_L", _d),
        ("predicted_flops", _d), ("peak_memory_bytes", _i64),
    ]


class BackwardInfo(ctypes.Structure):
    _fields_ = [
        ("forward_status", _i32), ("rule", _i32), ("upper_active", _i64), ("lower_active", _i64),
        ("equality", _i64), ("weakly_active", _i64), ("inactive", _i64), ("active_rows", _i64),
        ("ambiguous_rows", _i64), ("active_set_ambiguous", _i32), ("active_set_certified", _i32),
        ("multipliers_unique", _i32), ("degenerate", _i32), ("differentiable", _i32), ("one_sided", _i32),
        ("converged", _i32), ("factorization_reused", _i32), ("dual_activity_tolerance", _d),
        ("regularization", _d), ("forward_eps_abs", _d), ("forward_eps_rel", _d),
        ("forward_primal_residual", _d), ("forward_dual_residual", _d), ("refinement_steps", _i64),
        ("residual", _d), ("numeric_factorizations", _i64), ("symbolic_analyses_total", _i64),
        ("least_squares_iterations", _i64), ("pieces", _i64), ("enforced_weakly_active", _i64),
        ("crossover_rounds", _i64), ("crossover_factorizations", _i64), ("crossover_resolved", _i32),
        ("reserved", _i32), ("distance_to_returned_point", _d), ("identification_time", _d), ("time", _d),
    ]


class CSC(ctypes.Structure):
    _fields_ = [
        ("rows", _i64), ("cols", _i64), ("nnz", _i64), ("colptr", POINTER(_i64)), ("rowind", POINTER(_i64)),
        ("values", POINTER(_d)),
    ]


_DP = POINTER(_d)


def _library_path() -> str:
    override = os.environ.get("SPARSEQP_LIBRARY")
    if override:
        return override
    return str(Path(__file__).resolve().parent / "_lib" / "libsparseqp_c.so")


def _load():
    path = _library_path()
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:  # pragma: no cover - an installation problem, not a solver error
        raise ImportError(f"sparseqp: cannot load the native library {path}: {e}") from e
    sig = {
        "sqp_status_name": (c_char_p, [_i32]),
        "sqp_version": (c_char_p, []),
        "sqp_struct_size": (_i64, [c_char_p]),
        "sqp_settings_default": (None, [POINTER(Settings)]),
        "sqp_solver_new": (c_void_p, []),
        "sqp_solver_free": (None, [c_void_p]),
        "sqp_solver_error_message": (c_char_p, [c_void_p]),
        "sqp_solver_setup": (_i32, [c_void_p, POINTER(Settings), POINTER(CSC), _DP, _i64, POINTER(CSC),
                                    _DP, _i64, _DP, _i64]),
        "sqp_solver_dimensions": (_i32, [c_void_p, POINTER(_i64), POINTER(_i64), POINTER(_i64), POINTER(_i64)]),
        "sqp_solver_solve": (_i32, [c_void_p, _DP, _DP, POINTER(Info)]),
        "sqp_solver_warm_start": (_i32, [c_void_p, _DP, _i64, _DP, _i64]),
        "sqp_solver_update_vectors": (_i32, [c_void_p, _DP, _i64, _DP, _i64, _DP, _i64]),
        "sqp_solver_update_matrices": (_i32, [c_void_p, _DP, _i64, _DP, _i64]),
        "sqp_solver_update_matrix_entries": (_i32, [c_void_p, _DP, POINTER(_i64), _i64, _DP, POINTER(_i64), _i64]),
        "sqp_solver_update_settings": (_i32, [c_void_p, POINTER(Settings)]),
        "sqp_solver_profile": (_i32, [c_void_p, POINTER(Profile)]),
        "sqp_solver_adjoint": (_i32, [c_void_p, _DP, _i64, _DP, _i64, _DP, _DP, _DP, _DP, _DP,
                                      POINTER(BackwardInfo)]),
        "sqp_solver_jvp": (_i32, [c_void_p, _DP, _i64, _DP, _i64, _DP, _i64, _DP, _i64, _DP, _i64, _DP, _DP,
                                  POINTER(BackwardInfo)]),
        "sqp_layer_new": (c_void_p, []),
        "sqp_layer_free": (None, [c_void_p]),
        "sqp_layer_error_message": (c_char_p, [c_void_p]),
        "sqp_layer_failed_element": (_i64, [c_void_p]),
        "sqp_layer_failed_status": (_i32, [c_void_p]),
        "sqp_layer_setup": (_i32, [c_void_p, POINTER(Settings), POINTER(CSC), POINTER(CSC)]),
        "sqp_layer_forward": (_i32, [c_void_p, _i64, _DP, _DP, _DP, _DP, _DP, _DP, _DP, POINTER(Info)]),
        "sqp_layer_backward": (_i32, [c_void_p, _i64, _DP, _DP, _DP, _DP, _DP, _DP, _DP,
                                      POINTER(BackwardInfo)]),
        "sqp_layer_jvp": (_i32, [c_void_p, _i64, _DP, _DP, _DP, _DP, _DP, _DP, _DP, POINTER(BackwardInfo)]),
        "sqp_layer_set_failure_mode": (_i32, [c_void_p, _i32]),
        "sqp_layer_failed_count": (_i64, [c_void_p]),
        "sqp_layer_element_error": (_i32, [c_void_p, _i64]),
        "sqp_layer_element_status": (_i32, [c_void_p, _i64]),
        "sqp_layer_element_message": (c_char_p, [c_void_p, _i64]),
        "sqp_layer_symbolic_analyses": (_i64, [c_void_p]),
    }
    for name, (restype, argtypes) in sig.items():
        f = getattr(lib, name)
        f.restype = restype
        f.argtypes = argtypes
    for c_name, struct in (("sqp_settings", Settings), ("sqp_info", Info), ("sqp_profile", Profile),
                           ("sqp_backward_info", BackwardInfo), ("sqp_csc", CSC)):
        expected = lib.sqp_struct_size(c_name.encode())
        if expected != ctypes.sizeof(struct):
            raise ImportError(f"sparseqp: {c_name} has {expected} bytes in {path} but "
                              f"{ctypes.sizeof(struct)} in this binding: mismatched library version")
    return lib


lib = _load()


def status_name(code: int) -> str:
    return lib.sqp_status_name(code).decode()
