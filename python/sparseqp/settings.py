"""Settings as keyword arguments, with OSQP's names where the concepts match.

Defaults are SparseQP's. They equal OSQP's (Python API, version 1.x) for rho, sigma, alpha,
eps_abs, eps_rel, eps_prim_inf, eps_dual_inf, max_iter, check_termination, scaling, adaptive_rho,
warm_starting. They differ for:
  polishing  True here (OSQP: False) - our polish is cheap and only accepted when it does not
             worsen the residuals;
  verbose    False here (OSQP: True) - the log goes to stderr when on;
  time_limit the Python default is OSQP's 1e10 seconds (no limit in practice); the C library's
             default is 0, which also means no limit.
SparseQP-only settings: method ('auto': the interior-point method first when every constrained row
is an inequality, else ADMM; 'admm'; 'interior_point'), interior_point (fallback stage), strategy
('auto', 'kkt', 'reduced'),
rule ('kkt', 'fixed_point'), allow_inaccurate, allow_ambiguous, crossover,
derivative_regularization, workers (batched layer threads; 0 = all cores).
"""
import ctypes

from . import _ffi
from .errors import InvalidSettingsError

_FLOAT = ("rho", "sigma", "alpha", "eps_abs", "eps_rel", "eps_prim_inf", "eps_dual_inf", "time_limit",
          "derivative_regularization")
_INT = ("max_iter", "check_termination", "scaling", "workers")
_BOOL = ("adaptive_rho", "polishing", "interior_point", "warm_starting", "verbose", "allow_inaccurate",
         "allow_ambiguous", "crossover")
_ALIASES = {"polish": "polishing", "warm_start": "warm_starting", "eps_pinf": "eps_prim_inf",
            "eps_dinf": "eps_dual_inf"}
_STRATEGIES = {"auto": 0, "kkt": 1, "reduced": 2}
_RULES = {"kkt": 0, "fixed_point": 1, "fixed-point": 1}
_METHODS = {"auto": 0, "admm": 1, "interior_point": 2, "interior-point": 2}

# OSQP's default time limit in seconds (none in practice).
OSQP_TIME_LIMIT = 1e10

NAMES = frozenset(_FLOAT + _INT + _BOOL + ("strategy", "rule", "method") + tuple(_ALIASES))


def make(**kwargs) -> _ffi.Settings:
    """A C settings struct from the library's defaults and `kwargs` (unknown names raise)."""
    s = _ffi.Settings()
    _ffi.lib.sqp_settings_default(ctypes.byref(s))
    s.time_limit = OSQP_TIME_LIMIT
    apply(s, kwargs)
    return s


def apply(s: _ffi.Settings, kwargs: dict) -> None:
    for key, value in kwargs.items():
        name = _ALIASES.get(key, key)
        if name in _FLOAT:
            try:
                setattr(s, name, float(value))
            except (TypeError, ValueError):
                raise InvalidSettingsError(f"{key} = {value!r} is not a number", 3) from None
        elif name in _INT:
            if isinstance(value, bool) or int(value) != value:
                raise InvalidSettingsError(f"{key} = {value!r} is not an integer", 3)
            setattr(s, name, int(value))
        elif name in _BOOL:
            setattr(s, name, 1 if value else 0)
        elif name == "strategy":
            if value not in _STRATEGIES:
                raise InvalidSettingsError(f"strategy = {value!r} must be one of {sorted(_STRATEGIES)}", 3)
            s.strategy = _STRATEGIES[value]
        elif name == "rule":
            if value not in _RULES:
                raise InvalidSettingsError(f"rule = {value!r} must be 'kkt' or 'fixed_point'", 3)
            s.rule = _RULES[value]
        elif name == "method":
            if value not in _METHODS:
                raise InvalidSettingsError(f"method = {value!r} must be 'auto', 'admm' or 'interior_point'", 3)
            s.method = _METHODS[value]
        else:
            raise InvalidSettingsError(f"unknown setting {key!r} (known: {', '.join(sorted(NAMES))})", 3)


def as_dict(s: _ffi.Settings) -> dict:
    out = {name: getattr(s, name) for name in _FLOAT + _INT}
    out.update({name: bool(getattr(s, name)) for name in _BOOL})
    out["strategy"] = {v: k for k, v in _STRATEGIES.items()}[s.strategy]
    out["rule"] = "kkt" if s.rule == 0 else "fixed_point"
    out["method"] = {0: "auto", 1: "admm", 2: "interior_point"}[s.method]
    return out
