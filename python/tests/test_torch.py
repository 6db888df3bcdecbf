"""sparseqp.torch.QPLayer: agreement with the solver, gradcheck, batch = sequential, forward mode,
per-element reports, on_failure, errors."""
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import torch

import sparseqp
from conftest import TIGHT, random_qp
from sparseqp.torch import QPLayer

# OSQP's demo problem: x = (0.3, 0.7) with row 2 (x1 ≤ 0.7) active, row 0 an equality.
DEMO_TORCH = (sp.csc_matrix([[4.0, 1.0], [0.0, 2.0]]), torch.tensor([1.0, 1.0], dtype=torch.float64),
              sp.csc_matrix([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]]), torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64),
              torch.tensor([1.0, 0.7, 0.7], dtype=torch.float64))
P_DATA = torch.tensor([4.0, 1.0, 2.0], dtype=torch.float64)
A_DATA = torch.tensor([1.0, 1.0, 1.0, 1.0], dtype=torch.float64)


def tensors(problem, batch=None, seed=0):
    """(P_values, q, A_values, l, u) tensors; with `batch`, perturbed copies stacked."""
    P, q, A, l, u = problem
    base = [P.data, q, A.data, l, u]
    if batch is None:
        return [torch.tensor(a, dtype=torch.float64) for a in base]
    rng = np.random.default_rng(seed)
    out = [np.stack([a] * batch) for a in base]
    out[1] = out[1] + 0.3 * rng.standard_normal(out[1].shape)
    out[0] = out[0] * (1 + 0.1 * rng.uniform(size=out[0].shape))
    return [torch.tensor(a, dtype=torch.float64) for a in out]


def test_forward_matches_the_solver_and_broadcasts():
    problem = random_qp(15, 10, 11)
    layer = QPLayer(problem[0], problem[2], **TIGHT)
    Pv, q, Av, l, u = tensors(problem, batch=4)
    x, y = layer(Pv, q, Av, l, u, return_y=True)
    assert x.shape == (4, 15) and y.shape == (4, 10)
    for b in range(4):
        s = sparseqp.Solver()
        s.setup(sp.csc_matrix((Pv[b].numpy(), problem[0].indices, problem[0].indptr), shape=problem[0].shape),
                q[b].numpy(), problem[2], l[b].numpy(), u[b].numpy(), **TIGHT)
        r = s.solve()
        np.testing.assert_allclose(x[b].numpy(), r.x, atol=1e-8)
        np.testing.assert_allclose(y[b].numpy(), r.y, atol=1e-7)
    x1 = layer(*tensors(problem))
    assert x1.shape == (15,)


def test_gradcheck_kkt():
    problem = random_qp(5, 4, 21, density=0.5)
    layer = QPLayer(problem[0], problem[2], **TIGHT)
    inputs = [t.requires_grad_() for t in tensors(problem, batch=2, seed=3)]
    # Some bounds are infinite: perturbing them changes nothing and their gradient is 0.
    assert not torch.isfinite(inputs[3]).all()
    assert torch.autograd.gradcheck(lambda *a: layer(*a, return_y=True), inputs, eps=1e-6, atol=1e-5, rtol=1e-4)


def test_gradcheck_all_bounds_finite():
    P, q, A, l, u = random_qp(5, 4, 22, density=0.5)
    l, u = np.where(np.isinf(l), -5.0, l), np.where(np.isinf(u), 5.0, u)
    layer = QPLayer(P, A, **TIGHT)
    inputs = [t.requires_grad_() for t in tensors((P, q, A, l, u))]
    assert torch.autograd.gradcheck(lambda *a: layer(*a), inputs, eps=1e-6, atol=1e-5, rtol=1e-4)


def test_batch_equals_sequential_forward_and_backward():
    problem = random_qp(12, 8, 31)
    layer = QPLayer(problem[0], problem[2], **TIGHT)
    batch = [t.requires_grad_() for t in tensors(problem, batch=5, seed=4)]
    w = torch.randn(5, 12, dtype=torch.float64)
    (layer(*batch) * w).sum().backward()
    for b in range(5):
        single = [t[b].detach().clone().requires_grad_() for t in batch]
        (layer(*single) * w[b]).sum().backward()
        for t, s in zip(batch, single):
            g, gs = t.grad[b], s.grad
            finite = torch.isfinite(t[b].detach())
            torch.testing.assert_close(g[finite], gs[finite], atol=1e-6, rtol=1e-6)


def test_unbatched_arguments_get_summed_gradients_and_only_requested_ones():
    problem = random_qp(10, 6, 41)
    layer = QPLayer(problem[0], problem[2], **TIGHT)
    Pv, q, Av, l, u = tensors(problem)
    qb = tensors(problem, batch=3, seed=5)[1].requires_grad_()
    Pv.requires_grad_()
    layer(Pv, qb, Av, l, u).sum().backward()
    assert Av.grad is None and l.grad is None
    expected = torch.zeros_like(Pv)
    for b in range(3):
        P1 = Pv.detach().clone().requires_grad_()
        layer(P1, qb[b].detach(), Av, l, u).sum().backward()
        expected += P1.grad
    torch.testing.assert_close(Pv.grad, expected, atol=1e-7, rtol=1e-7)


def test_fixed_point_rule_agrees_with_kkt_on_a_tight_solve():
    problem = random_qp(8, 6, 51)
    grads = {}
    for rule in ("kkt", "fixed_point"):
        layer = QPLayer(problem[0], problem[2], rule=rule, **TIGHT)
        q = tensors(problem)[1].requires_grad_()
        Pv, _, Av, l, u = tensors(problem)
        layer(Pv, q, Av, l, u).sum().backward()
        grads[rule] = q.grad
    torch.testing.assert_close(grads["kkt"], grads["fixed_point"], atol=1e-4, rtol=1e-4)


def test_gradient_through_y():
    P, q, A, l, u = random_qp(6, 5, 61, density=0.5)
    l, u = np.where(np.isinf(l), -5.0, l), np.where(np.isinf(u), 5.0, u)
    layer = QPLayer(P, A, **TIGHT)
    inputs = [t.requires_grad_() for t in tensors((P, q, A, l, u))]
    assert torch.autograd.gradcheck(lambda *a: layer(*a, return_y=True)[1], inputs, eps=1e-6, atol=1e-5, rtol=1e-4)


def test_errors():
    problem = random_qp(6, 4, 71)
    layer = QPLayer(problem[0], problem[2], **TIGHT)
    Pv, q, Av, l, u = tensors(problem)
    with pytest.raises(TypeError, match="q has dtype torch.float32"):
        layer(Pv, q.float(), Av, l, u)
    with pytest.raises(TypeError, match="must be a torch.Tensor"):
        layer(Pv, q.numpy(), Av, l, u)
    with pytest.raises(sparseqp.InvalidArgumentError, match=r"q has shape \(7,\)"):
        layer(Pv, torch.zeros(7, dtype=torch.float64), Av, l, u)
    with pytest.raises(sparseqp.InvalidArgumentError, match="batch size 3, but an earlier argument has 2"):
        layer(Pv.expand(2, -1), q.expand(3, -1), Av, l, u)
    qn = q.expand(3, -1).clone()
    qn[1, 2] = float("nan")
    with pytest.raises(sparseqp.InvalidArgumentError, match=r"batch element 1: q\[2\] = nan is not finite"):
        layer(Pv, qn, Av, l, u)
    # Element 2 infeasible: x0 + x1 = 1 with x0, x1 ≤ 0.2.
    demo = QPLayer(sp.csc_matrix([[4.0, 1.0], [0.0, 2.0]]), sp.csc_matrix([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]]), **TIGHT)
    dP, dq, dA = (torch.tensor(v, dtype=torch.float64) for v in ([4.0, 1.0, 2.0], [1.0, 1.0], [1.0, 1.0, 1.0, 1.0]))
    dl = torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64)
    du = torch.tensor([[1.0, 0.7, 0.7]] * 3, dtype=torch.float64)
    du[2, 1:] = 0.2
    with pytest.raises(sparseqp.NotSolvedError) as e:
        demo(dP, dq, dA, dl, du)
    assert e.value.element == 2 and e.value.status == "primal_infeasible"
    assert str(e.value).startswith("batch element 2: the forward solve ended with status primal_infeasible")
    with pytest.raises(sparseqp.InvalidArgumentError, match="below the diagonal"):
        QPLayer(problem[0] + problem[0].T, problem[2])
    with pytest.raises(sparseqp.InvalidSettingsError, match="rule"):
        QPLayer(problem[0], problem[2], rule="newton")


def finite_tangents(inputs, seed):
    """Random tangents for (P_values, q, A_values, l, u), zero at infinite bounds."""
    g = torch.Generator().manual_seed(seed)
    out = [torch.randn(t.shape, generator=g, dtype=torch.float64) for t in inputs]
    return [torch.where(torch.isfinite(t), v, torch.zeros_like(v)) for t, v in zip(inputs, out)]


def test_forward_mode_matches_finite_differences_and_backward():
    problem = random_qp(8, 6, 81, density=0.5)
    layer = QPLayer(problem[0], problem[2], **TIGHT)
    Pv, q, Av, l, u = tensors(problem, batch=3, seed=8)
    inputs = (Pv, q, Av[0], l, u[0])  # A_values and u unbatched: broadcast, and so are their tangents
    tangents = finite_tangents(inputs, 1)
    (x, y), (dx, dy) = torch.func.jvp(lambda *a: layer(*a, return_y=True), inputs, tuple(tangents))
    assert dx.shape == (3, 8) and dy.shape == (3, 6)
    h = 1e-6
    plus = layer(*[a + h * t for a, t in zip(inputs, tangents)], return_y=True)
    minus = layer(*[a - h * t for a, t in zip(inputs, tangents)], return_y=True)
    torch.testing.assert_close(dx, (plus[0] - minus[0]) / (2 * h), atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(dy, (plus[1] - minus[1]) / (2 * h), atol=1e-5, rtol=1e-4)
    assert dx.abs().max() > 1e-3  # not trivially zero
    # ⟨v, J u⟩ = ⟨Jᵀ v, u⟩ with the backward pass, for x and y cotangents.
    vx, vy = torch.randn(3, 8, dtype=torch.float64), torch.randn(3, 6, dtype=torch.float64)
    leaves = [t.detach().clone().requires_grad_() for t in inputs]
    xo, yo = layer(*leaves, return_y=True)
    grads = torch.autograd.grad((xo * vx).sum() + (yo * vy).sum(), leaves)
    lhs = (vx * dx).sum() + (vy * dy).sum()
    rhs = sum((g * t).sum() for g, t in zip(grads, tangents))
    assert lhs.item() == pytest.approx(rhs.item(), rel=1e-7, abs=1e-9)
    assert len(layer.last_jvp_info) == 3 and all(i.symbolic_analyses_total == 1 for i in layer.last_jvp_info)
    # torch.autograd.forward_ad gives the same tangents.
    import torch.autograd.forward_ad as fwAD
    with fwAD.dual_level():
        duals = [fwAD.make_dual(a, t) for a, t in zip(inputs, tangents)]
        tangent = fwAD.unpack_dual(layer(*duals)).tangent
    torch.testing.assert_close(tangent, dx, atol=1e-12, rtol=0)


def test_forward_mode_gradcheck_and_partial_tangents():
    P, q, A, l, u = random_qp(5, 4, 22, density=0.5)
    l, u = np.where(np.isinf(l), -5.0, l), np.where(np.isinf(u), 5.0, u)
    layer = QPLayer(P, A, **TIGHT)
    inputs = [t.requires_grad_() for t in tensors((P, q, A, l, u))]
    assert torch.autograd.gradcheck(lambda *a: layer(*a, return_y=True), inputs, eps=1e-6, atol=1e-5, rtol=1e-4,
                                    check_forward_ad=True, check_backward_ad=False)
    # A tangent for q only (the others None inside torch): equals the q column of the full JVP.
    base = [t.detach() for t in inputs]
    tq = torch.randn(5, dtype=torch.float64)
    _, dx = torch.func.jvp(lambda qq: layer(base[0], qq, *base[2:]), (base[1],), (tq,))
    zeros = [torch.zeros_like(t) for t in base]
    zeros[1] = tq
    _, dx_all = torch.func.jvp(lambda *a: layer(*a), tuple(base), tuple(zeros))
    torch.testing.assert_close(dx, dx_all, atol=1e-12, rtol=0)


def test_last_backward_info_per_element():
    P, q, A, l, u = DEMO_TORCH
    layer = QPLayer(P, A, **TIGHT)
    ub = torch.tensor([[1.0, 0.7, 0.7], [1.0, 0.7, 0.9]], dtype=torch.float64)  # element 1: x1 = 0.75 < 0.9
    qv = q.clone().requires_grad_()
    x = layer(P_DATA, qv, A_DATA, l, ub)
    torch.testing.assert_close(x, torch.tensor([[0.3, 0.7], [0.25, 0.75]], dtype=torch.float64), atol=1e-8, rtol=0)
    assert [i.status for i in layer.last_forward_info] == ["solved", "solved"]
    x.sum().backward()
    info = layer.last_backward_info
    assert len(info) == 2 and all(isinstance(i, sparseqp.BackwardInfo) for i in info)
    assert (info[0].equality, info[0].upper_active, info[0].lower_active, info[0].inactive) == (1, 1, 0, 1)
    assert (info[1].equality, info[1].upper_active, info[1].lower_active, info[1].inactive) == (1, 0, 0, 2)
    for i in info:
        assert i.rule == "kkt" and i.converged and i.residual < 1e-10 and i.ambiguous_rows == 0
        assert i.weakly_active == 0 and not i.one_sided and i.forward_status == "solved"
    fp = QPLayer(P, A, rule="fixed_point", **TIGHT)
    fp(P_DATA, q.clone().requires_grad_(), A_DATA, l, ub).sum().backward()
    assert [i.rule for i in fp.last_backward_info] == ["fixed_point", "fixed_point"]


def test_on_failure_nan_reports_instead_of_raising():
    P, q, A, l, u = DEMO_TORCH
    ub = torch.tensor([[1.0, 0.7, 0.7], [1.0, 0.7, 0.9], [1.0, 0.2, 0.2]], dtype=torch.float64)  # element 2 infeasible
    strict = QPLayer(P, A, **TIGHT)
    with pytest.raises(sparseqp.NotSolvedError) as e:
        strict(P_DATA, q, A_DATA, l, ub)
    assert e.value.element == 2
    layer = QPLayer(P, A, on_failure="nan", **TIGHT)
    qb = q.expand(3, -1).clone().requires_grad_()
    x = layer(P_DATA, qb, A_DATA, l, ub)
    assert torch.isnan(x[2]).all() and torch.isfinite(x[:2]).all()
    torch.testing.assert_close(x[:2], strict(P_DATA, q, A_DATA, l, ub[:2]), atol=0, rtol=0)
    failure = layer.last_failures[2]
    assert set(layer.last_failures) == {2} and isinstance(failure, sparseqp.NotSolvedError)
    assert failure.status == "primal_infeasible" and failure.element == 2 and "batch element 2" in str(failure)
    assert [i.status for i in layer.last_forward_info] == ["solved", "solved", "primal_infeasible"]
    (x[:2] * torch.tensor([1.0, -1.0], dtype=torch.float64)).sum().backward()
    assert torch.isnan(qb.grad[2]).all() and torch.isfinite(qb.grad[:2]).all()
    info = layer.last_backward_info
    assert info[2] is None and info[0].upper_active == 1 and info[1].inactive == 2
    assert set(layer.last_failures) == {2}
    with pytest.raises(sparseqp.InvalidArgumentError, match="on_failure = 'skip' must be 'raise' or 'nan'"):
        QPLayer(P, A, on_failure="skip")


def test_header_ships_with_the_package():
    header = Path(sparseqp.__file__).parent / "_lib" / "sparseqp.h"
    text = header.read_text()
    assert "sqp_layer_jvp" in text and "sqp_solver_update_matrix_entries" in text
