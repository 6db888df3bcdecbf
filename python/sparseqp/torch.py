"""`sparseqp.torch.QPLayer`: a batched, differentiable QP layer for PyTorch.

    layer = QPLayer(P_pattern, A_pattern, eps_abs=1e-8, eps_rel=1e-8)
    x = layer(P_values, q, A_values, l, u)            # each argument (w,) or (B, w)
    x, y = layer(P_values, q, A_values, l, u, return_y=True)

x* solves  minimize ½xᵀPx + qᵀx  subject to  l ≤ Ax ≤ u  for every batch element, with P given by
its values on the upper triangle of `P_pattern` (CSC order, see `P_indices`) and A by its values on
`A_pattern`. Unbatched arguments are broadcast over the batch (their gradient is summed over it).
Forward and backward run in the library (one symbolic analysis for the batch, elements spread over
`workers` threads); the derivative rule is `rule='kkt'` (implicit differentiation of the KKT
conditions) or `rule='fixed_point'` (of the ADMM fixed-point map). Tensors must be float64 on CPU.
An element that is not solved raises `NotSolvedError` naming the element and its status
(`on_failure='nan'`: its outputs and derivatives are NaN instead and the failure is reported).

Forward-mode AD (`torch.func.jvp`, `torch.autograd.forward_ad`) goes through the library's JVP at
the forward's solutions (the same prepared derivative systems as backward, no new analysis).

After each call the layer keeps per-element reports: `last_forward_info` (list of `sparseqp.Info`:
status, iterations, residuals), `last_backward_info` and `last_jvp_info` (lists of
`sparseqp.BackwardInfo`: rule, active/weakly-active counts, ambiguous rows, one-sided flag,
backward residual, ...; None for an element that failed) and `last_failures` ({element: exception}
of the last call with `on_failure='nan'`).
"""
import ctypes

import numpy as np
import torch

from . import _ffi, settings as _settings
from ._arrays import CSCView, csc, pointer
from .errors import InvalidArgumentError, NotSolvedError, error_for
from .solver import BackwardInfo, Info

_ARGUMENTS = ("P_values", "q", "A_values", "l", "u")


class _Handle:
    """One `sqp_layer` (the state of one forward batch, kept for its backward and JVPs)."""

    def __init__(self, settings, P: CSCView, A: CSCView, report: bool = False):
        self.ptr = _ffi.lib.sqp_layer_new()
        if not self.ptr:
            raise MemoryError("sparseqp: cannot allocate a layer")
        self.check(_ffi.lib.sqp_layer_setup(self.ptr, ctypes.byref(settings), P.ref, A.ref))
        if report:
            self.check(_ffi.lib.sqp_layer_set_failure_mode(self.ptr, 1))

    def __del__(self):
        if getattr(self, "ptr", None):
            _ffi.lib.sqp_layer_free(self.ptr)
            self.ptr = None

    def check(self, code: int):
        if code == 0:
            return
        message = _ffi.lib.sqp_layer_error_message(self.ptr).decode()
        element = _ffi.lib.sqp_layer_failed_element(self.ptr)
        status = _ffi.lib.sqp_layer_failed_status(self.ptr) if code == 6 else -1
        raise _error(code, message, element, status)

    def failures(self, batch: int) -> dict:
        """{element: exception} of the elements that failed in the last call (report mode)."""
        if _ffi.lib.sqp_layer_failed_count(self.ptr) == 0:
            return {}
        out = {}
        for k in range(batch):
            code = _ffi.lib.sqp_layer_element_error(self.ptr, k)
            if code != 0:
                out[k] = _error(code, _ffi.lib.sqp_layer_element_message(self.ptr, k).decode(), k,
                                _ffi.lib.sqp_layer_element_status(self.ptr, k))
        return out


def _error(code: int, message: str, element: int, status: int):
    """The typed exception of a failure, with its batch element (None: none) and status."""
    if code == 6:
        return NotSolvedError(message, 6, status=_ffi.status_name(status) if status >= 0 else None,
                              element=int(element) if element >= 0 else None)
    error = error_for(code, message)
    error.element = int(element) if element >= 0 else None
    return error


_FAILURE_MODES = ("raise", "nan")


class QPLayer(torch.nn.Module):
    def __init__(self, P_pattern, A_pattern, rule: str = "kkt", on_failure: str = "raise", **settings):
        """P_pattern: n×n upper-triangular sparsity (scipy.sparse or dense; values ignored; a full
        symmetric pattern is an error, pass `scipy.sparse.triu(P)`), A_pattern: m×n. Settings as
        `sparseqp.Solver.setup`'s keyword arguments, plus `rule` ('kkt' or 'fixed_point') and
        `on_failure`: 'raise' (default: an element that is not solved, or whose derivative fails,
        raises an error naming it) or 'nan' (that element's outputs, gradients and JVPs are NaN, the
        others are computed; the failures are in `last_failures`)."""
        super().__init__()
        if on_failure not in _FAILURE_MODES:
            raise InvalidArgumentError(f"on_failure = {on_failure!r} must be 'raise' or 'nan'", 2)
        P = csc(P_pattern, "P_pattern")
        n = P.shape[1]
        if P.shape[0] != n:
            raise InvalidArgumentError(f"P_pattern has shape {P.shape}, expected square", 2)
        columns = np.repeat(np.arange(n), np.diff(P.indptr))
        if (P.indices > columns).any():
            raise InvalidArgumentError("P_pattern has entries below the diagonal: pass its upper triangle "
                                       "(scipy.sparse.triu) and P_values in that pattern's CSC order", 2)
        A = csc(A_pattern, "A_pattern")
        if A.shape[1] != n:
            raise InvalidArgumentError(f"A_pattern has shape {A.shape}, expected (m, {n})", 2)
        self.P_pattern, self.A_pattern = P, A
        self.n, self.m = n, A.shape[0]
        self.widths = (P.nnz, n, A.nnz, self.m, self.m)
        self.on_failure = on_failure
        self._settings = _settings.make(rule=rule, **settings)
        self._P, self._A = CSCView(P, with_values=False), CSCView(A, with_values=False)
        _Handle(self._settings, self._P, self._A)  # settings and patterns checked now, not at the first batch
        # Reports of the last calls (one entry per batch element; see the class documentation).
        self.last_forward_info = []
        self.last_backward_info = []
        self.last_jvp_info = []
        self.last_failures = {}
        self._pending = None

    @property
    def P_indices(self):
        """(rows, cols) of P_values' entries (upper triangle, CSC order)."""
        P = self.P_pattern
        return P.indices.copy(), np.repeat(np.arange(self.n), np.diff(P.indptr))

    @property
    def A_indices(self):
        """(rows, cols) of A_values' entries (CSC order)."""
        A = self.A_pattern
        return A.indices.copy(), np.repeat(np.arange(self.n), np.diff(A.indptr))

    def forward(self, P_values, q, A_values, l, u, return_y: bool = False):
        x, y = _QPFunction.apply(self, P_values, q, A_values, l, u)
        return (x, y) if return_y else x

    def _batch(self, arguments):
        """Checks dtypes, devices and shapes; returns the batch size and which arguments are batched."""
        batch, batched = None, []
        for name, t, w in zip(_ARGUMENTS, arguments, self.widths):
            if not isinstance(t, torch.Tensor):
                raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
            if t.dtype != torch.float64:
                raise TypeError(f"{name} has dtype {t.dtype}, expected torch.float64")
            if t.device.type != "cpu":
                raise InvalidArgumentError(f"{name} is on {t.device}, expected a CPU tensor", 2)
            if t.dim() == 1 and t.shape[0] == w:
                batched.append(False)
            elif t.dim() == 2 and t.shape[1] == w:
                if batch is not None and t.shape[0] != batch:
                    raise InvalidArgumentError(f"{name} has batch size {t.shape[0]}, but an earlier argument has {batch}", 2)
                batch = t.shape[0]
                batched.append(True)
            else:
                raise InvalidArgumentError(f"{name} has shape {tuple(t.shape)}, expected ({w},) or (batch, {w})", 2)
        if batch == 0:
            raise InvalidArgumentError("batch size 0: nothing to solve", 2)
        return batch, batched

    def _record(self, handle: _Handle, batch: int, infos, kind: str):
        """Keeps the per-element reports of a backward or JVP call (None for failed elements)."""
        failures = handle.failures(batch) if self.on_failure == "nan" else {}
        reports = [None if k in failures else BackwardInfo.from_c(infos[k]) for k in range(batch)]
        setattr(self, f"last_{kind}_info", reports)
        self.last_failures = failures


def _as_batch(t: torch.Tensor, batch: int) -> np.ndarray:
    """A contiguous (batch, w) float64 array (no copy when t already is one)."""
    t = t.detach()
    if t.dim() == 1:
        t = t.unsqueeze(0).expand(batch, -1)
    return np.ascontiguousarray(t.numpy())


def _as_outputs(x: np.ndarray, y: np.ndarray, unbatched: bool):
    """(batch, n) and (batch, m) arrays as tensors (without the batch dimension when unbatched)."""
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    return (xt[0], yt[0]) if unbatched else (xt, yt)


def _tangent(t, batch: int, width: int, name: str):
    """A (batch, width) float64 array of a forward-mode tangent, or None for a zero tangent."""
    if t is None:
        return None
    if t.dtype != torch.float64:
        t = t.to(torch.float64)
    if t.dim() == 1:
        t = t.unsqueeze(0).expand(batch, -1)
    if tuple(t.shape) != (batch, width):
        raise InvalidArgumentError(f"the tangent of {name} has shape {tuple(t.shape)}, expected ({batch}, {width})", 2)
    return np.ascontiguousarray(t.detach().numpy())


class _QPFunction(torch.autograd.Function):
    """Forward in the library; backward through its adjoint (reverse mode) and `jvp` through its
    JVP (forward mode: torch.autograd.forward_ad, torch.func.jvp), both at the forward's solutions."""

    @staticmethod
    def forward(layer: QPLayer, P_values, q, A_values, l, u):
        arguments = (P_values, q, A_values, l, u)
        batch, batched = layer._batch(arguments)
        unbatched = batch is None
        B = 1 if unbatched else batch
        arrays = [_as_batch(t, B) for t in arguments]
        report = layer.on_failure == "nan"
        handle = _Handle(layer._settings, layer._P, layer._A, report=report)
        x = np.empty((B, layer.n))
        y = np.empty((B, layer.m))
        infos = (_ffi.Info * B)()
        handle.check(_ffi.lib.sqp_layer_forward(handle.ptr, B, *[pointer(a) for a in arrays], pointer(x), pointer(y),
                                                infos))
        layer.last_forward_info = [Info.from_c(i) for i in infos]
        layer.last_failures = handle.failures(B) if report else {}
        # Handed to setup_context (called right after forward, on this thread).
        layer._pending = (handle, batched, B, unbatched)
        return _as_outputs(x, y, unbatched)

    @staticmethod
    def setup_context(ctx, inputs, output):
        layer = inputs[0]
        ctx.layer = layer
        # Not cleared: torch.func calls setup_context once per transform level for one forward.
        ctx.handle, ctx.batched, ctx.B, ctx.unbatched = layer._pending
        ctx.set_materialize_grads(False)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_x, grad_y):
        layer, B = ctx.layer, ctx.B
        if grad_x is None and grad_y is None:
            return (None,) * 6
        dx = np.zeros((B, layer.n)) if grad_x is None else np.ascontiguousarray(
            grad_x.detach().reshape(B, layer.n).to(torch.float64).numpy())
        dy = None if grad_y is None else np.ascontiguousarray(grad_y.detach().reshape(B, layer.m).to(torch.float64).numpy())
        outputs = [np.empty((B, w)) for w in layer.widths]
        infos = (_ffi.BackwardInfo * B)()
        ctx.handle.check(_ffi.lib.sqp_layer_backward(ctx.handle.ptr, B, pointer(dx), pointer(dy),
                                                     *[pointer(o) for o in outputs], infos))
        layer._record(ctx.handle, B, infos, "backward")
        grads = []
        for k, (g, is_batched) in enumerate(zip(outputs, ctx.batched)):
            if not ctx.needs_input_grad[k + 1]:
                grads.append(None)
                continue
            t = torch.from_numpy(g)
            grads.append(t if is_batched else t.sum(dim=0))
        return (None, *grads)

    @staticmethod
    def jvp(ctx, _layer_tangent, *tangents):
        # Another Function, so that torch.func hands it plain tensors (the tangents here may be
        # wrapped by the transform); it returns the tangents of (x, y).
        return _JVPFunction.apply(ctx.layer, ctx.handle, ctx.B, ctx.unbatched, *tangents)


class _JVPFunction(torch.autograd.Function):
    """The library's batched JVP at a forward's solutions: tangents of (P_values, q, A_values, l, u)
    (None: zero) → tangents of (x, y). Not differentiable again (no second derivatives)."""

    @staticmethod
    def forward(layer: QPLayer, handle: _Handle, B: int, unbatched: bool, *tangents):
        directions = [_tangent(t, B, w, name) for t, w, name in zip(tangents, layer.widths, _ARGUMENTS)]
        dx = np.zeros((B, layer.n))
        dy = np.zeros((B, layer.m))
        if any(d is not None for d in directions):
            infos = (_ffi.BackwardInfo * B)()
            handle.check(_ffi.lib.sqp_layer_jvp(handle.ptr, B, *[pointer(d) for d in directions],
                                                pointer(dx), pointer(dy), infos))
            layer._record(handle, B, infos, "jvp")
        return _as_outputs(dx, dy, unbatched)

    @staticmethod
    def setup_context(ctx, inputs, output):
        pass

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError("sparseqp.torch.QPLayer: second derivatives (through a JVP) are not supported")
