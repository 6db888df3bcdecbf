"""Typed exceptions carrying the library's error code and message."""


class SparseQPError(Exception):
    """Base class: `code` is the C API's sqp_error, `message` the library's text."""

    def __init__(self, message: str, code: int = 0):
        super().__init__(message)
        self.message = message
        self.code = code


class InvalidArgumentError(SparseQPError, ValueError):
    """A length, index, pattern, dtype or value (NaN, ±inf) is invalid."""


class InvalidSettingsError(SparseQPError, ValueError):
    """A setting out of range, unknown, or one that cannot change after setup."""


class InvalidProblemError(SparseQPError, ValueError):
    """The data do not form a valid QP (l > u, P below the diagonal, ...)."""


class FactorizationError(SparseQPError):
    """A linear system could not be factorized."""


class NotSolvedError(SparseQPError):
    """A derivative (or a layer output) was asked at a point the solver did not reach.

    `status` is the status string (as in the CLI's JSON); `element` the batch element (layer), or None.
    """

    def __init__(self, message: str, code: int = 6, status=None, element=None):
        super().__init__(message, code)
        self.status = status
        self.element = element


class DerivativeError(SparseQPError):
    """The backward pass failed (an active set the forward accuracy cannot decide, ...)."""


class StateError(SparseQPError, RuntimeError):
    """A call out of order (no setup, no solve, no forward)."""


_BY_CODE = {
    1: InvalidArgumentError,  # a NULL pointer: the binding passes none, so it is an argument error
    2: InvalidArgumentError,
    3: InvalidSettingsError,
    4: InvalidProblemError,
    5: FactorizationError,
    6: NotSolvedError,
    7: DerivativeError,
    8: StateError,
}


def error_for(code: int, message: str) -> SparseQPError:
    return _BY_CODE.get(code, SparseQPError)(message, code)
