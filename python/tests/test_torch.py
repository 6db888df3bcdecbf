"""sparseqp.torch.QPLayer: agreement with the solver, gradcheck, batch = sequential, errors."""
import numpy as np
import pytest
import scipy.sparse as sp
import torch

import sparseqp
from conftest import TIGHT, random_qp
from sparseqp.torch import QPLayer


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
