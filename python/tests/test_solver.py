"""sparseqp.Solver: optimum, OSQP agreement, updates, derivatives (finite differences), errors."""
import numpy as np
import osqp
import pytest
import scipy.sparse as sp

import sparseqp
from conftest import TIGHT, random_qp

DEMO = (sp.csc_matrix([[4.0, 1.0], [1.0, 2.0]]), np.array([1.0, 1.0]),
        sp.csc_matrix([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]]), np.array([1.0, 0.0, 0.0]), np.array([1.0, 0.7, 0.7]))


def solver_for(problem, **settings):
    s = sparseqp.Solver()
    s.setup(*problem, **{**TIGHT, **settings})
    return s


def test_known_optimum_and_info():
    s = solver_for(DEMO)
    r = s.solve()
    assert r.info.status == "solved"
    np.testing.assert_allclose(r.x, [0.3, 0.7], atol=1e-8)
    np.testing.assert_allclose(r.y, [-2.9, 0.0, 0.2], atol=1e-7)
    assert r.info.obj_val == pytest.approx(1.88, abs=1e-8)
    assert r.info.prim_res < 1e-9 and r.info.dual_res < 1e-9
    assert r.profile.symbolic_analyses == 1 and r.profile.numeric_factorizations >= 1
    assert r.info.setup_time >= 0 and r.info.run_time >= r.info.solve_time


def test_method_setting_chooses_the_method_and_info_reports_it():
    # DEMO has an equality row: auto runs ADMM first; without it (row 0 an inequality) the
    # interior-point method. Each method explicitly; all reach the same optimum.
    P, q, A, l, u = DEMO
    inequalities = (P, q, A, np.array([0.5, 0.0, 0.0]), u)
    cases = [(DEMO, "auto", "admm"), (inequalities, "auto", "interior_point"),
             (DEMO, "interior_point", "interior_point"), (inequalities, "admm", "admm")]
    for problem, method, ran in cases:
        s = solver_for(problem, method=method)
        r = s.solve()
        assert r.info.status == "solved" and r.info.method == ran, (method, r.info.method)
        assert (r.info.iter == 0) == (ran == "interior_point")
        reference = solver_for(problem, method="admm").solve()
        np.testing.assert_allclose(r.x, reference.x, atol=1e-8)
    assert solver_for(DEMO).settings["method"] == "auto"
    with pytest.raises(sparseqp.InvalidSettingsError, match="method = 'ipm' must be 'auto', 'admm' or 'interior_point'"):
        solver_for(DEMO, method="ipm")


@pytest.mark.parametrize("seed", range(6))
def test_matches_osqp_on_random_problems(seed):
    P, q, A, l, u = random_qp(25, 18, seed)
    r = solver_for((P, q, A, l, u)).solve()
    o = osqp.OSQP()
    o.setup(P, q, A, np.where(np.isinf(l), -1e30, l), np.where(np.isinf(u), 1e30, u), eps_abs=1e-10, eps_rel=1e-10,
            max_iter=100000, polishing=True, verbose=False)
    ro = o.solve(raise_error=False)
    assert r.info.status == "solved" and ro.info.status == "solved"
    np.testing.assert_allclose(r.x, ro.x, atol=1e-6)
    np.testing.assert_allclose(r.y, ro.y, atol=1e-5)
    assert r.info.obj_val == pytest.approx(ro.info.obj_val, rel=1e-8, abs=1e-8)


def test_status_strings_match_the_cli():
    P, q, A, l, u = DEMO
    s = solver_for((P, q, A, l, np.array([1.0, 0.2, 0.2])))
    r = s.solve()
    assert r.info.status == "primal_infeasible" and r.x is None and r.y is None
    s = solver_for((DEMO[0], DEMO[1], DEMO[2], DEMO[3], DEMO[4]), max_iter=1, interior_point=False, polishing=False)
    assert s.solve().info.status == "max_iterations"


def test_updates_and_warm_start_match_a_fresh_setup():
    P, q, A, l, u = random_qp(20, 15, 7)
    P2, q2, A2, l2, u2 = random_qp(20, 15, 8)
    # Same patterns, new values: rebuild the second problem's values on the first one's patterns.
    Px = P.data * 1.3
    Ax = A.data * 0.9
    s = solver_for((P, q, A, l, u))
    first = s.solve()
    s.update(q=q2 * 0.5, l=l - 0.1, u=u + 0.1, Px=Px, Ax=Ax)
    s.warm_start(x=first.x, y=first.y)
    r = s.solve()
    fresh = solver_for((sp.csc_matrix((Px, P.indices, P.indptr), shape=P.shape), q2 * 0.5,
                        sp.csc_matrix((Ax, A.indices, A.indptr), shape=A.shape), l - 0.1, u + 0.1)).solve()
    assert r.info.status == "solved"
    np.testing.assert_allclose(r.x, fresh.x, atol=1e-7)
    assert r.profile.symbolic_analyses == 1


def osqp_solver(P, q, A, l, u):
    """OSQP at the tight tolerances; on copies (its update can write into the matrices it was given)."""
    o = osqp.OSQP()
    o.setup(P.copy(), q, A.copy(), np.where(np.isinf(l), -1e30, l), np.where(np.isinf(u), 1e30, u), eps_abs=1e-10, eps_rel=1e-10,
            max_iter=100000, polishing=True, verbose=False)
    return o


def test_partial_updates_by_index_match_a_full_update_and_osqp():
    P, q, A, l, u = random_qp(20, 15, 9)
    rng = np.random.default_rng(9)
    Pu = sp.triu(P, format="csc")
    P_idx = rng.choice(Pu.nnz, 7, replace=False)
    A_idx = np.r_[rng.choice(A.nnz, 9, replace=False), 3]  # index 3 twice: its last value counts
    Px = Pu.data[P_idx] * 1.5 + 0.1
    Ax = rng.uniform(-1, 1, len(A_idx))
    by_index = solver_for((P, q, A, l, u))
    by_index.solve()
    A_before = A.data.copy()
    by_index.update(Px=Px, Px_idx=P_idx, Ax=Ax, Ax_idx=A_idx)
    np.testing.assert_array_equal(A.data, A_before)  # the caller's matrix is not written to
    r = by_index.solve()
    P_full, A_full = Pu.data.copy(), A.data.copy()
    P_full[P_idx] = Px
    for k, i in enumerate(A_idx):
        A_full[i] = Ax[k]
    full = solver_for((P, q, A, l, u))
    full.update(Px=P_full, Ax=A_full)
    rf = full.solve()
    o = osqp_solver(Pu, q, A, l, u)
    o.update(Px=Px, Px_idx=P_idx, Ax=Ax, Ax_idx=A_idx)
    ro = o.solve(raise_error=False)
    assert r.info.status == rf.info.status == ro.info.status == "solved"
    np.testing.assert_allclose(r.x, rf.x, atol=1e-9)
    np.testing.assert_allclose(r.x, ro.x, atol=1e-6)
    assert r.profile.symbolic_analyses == 1
    # The solver's own copy of the data follows the update (derivatives are on the new values).
    np.testing.assert_array_equal(by_index._A.data, A_full)
    # Only P by index, A untouched: still OSQP's answer.
    o2 = osqp_solver(Pu, q, A, l, u)
    o2.update(Px=Px[:3], Px_idx=P_idx[:3])
    s2 = solver_for((P, q, A, l, u))
    s2.update(Px=Px[:3], Px_idx=P_idx[:3])
    np.testing.assert_allclose(s2.solve().x, o2.solve(raise_error=False).x, atol=1e-6)


def test_partial_update_errors_name_the_index_and_change_nothing():
    P, q, A, l, u = DEMO
    s = solver_for(DEMO)
    before = s.solve().x
    with pytest.raises(ValueError, match=r"Px_idx\[1\] = 3 is out of range \(0\.\.2: nnz\(P\) = 3, the upper triangle\)"):
        s.update(Px=np.array([5.0, 6.0]), Px_idx=np.array([0, 3]))
    with pytest.raises(sparseqp.InvalidArgumentError, match=r"Ax_idx\[0\] = -1 is out of range"):
        s.update(Ax=np.array([2.0]), Ax_idx=np.array([-1]))
    with pytest.raises(ValueError, match=r"Ax has shape \(2,\) but Ax_idx has 1 indices"):
        s.update(Ax=np.array([2.0, 3.0]), Ax_idx=np.array([1]))
    with pytest.raises(ValueError, match="Ax_idx has dtype float64"):
        s.update(Ax=np.array([2.0]), Ax_idx=np.array([1.0]))
    with pytest.raises(ValueError, match="Px_idx given without Px"):
        s.update(Px_idx=np.array([1]))
    with pytest.raises(ValueError, match=r"Px has shape \(2,\), expected \(3,\)"):
        s.update(Px=np.array([1.0, 2.0]))
    np.testing.assert_array_equal(s.solve().x, before)


def loss_at(problem, w):
    return w @ solver_for(problem).solve().x


@pytest.mark.parametrize("rule", ["kkt", "fixed_point"])
def test_adjoint_matches_finite_differences(rule):
    P, q, A, l, u = random_qp(6, 5, 3, density=0.5)
    w = np.random.default_rng(1).standard_normal(6)
    s = solver_for((P, q, A, l, u), rule=rule)
    s.solve()
    g = s.adjoint(w)
    assert g.info.rule == rule and g.info.converged
    h = 1e-6

    def fd(make):
        return (loss_at(make(h), w) - loss_at(make(-h), w)) / (2 * h)

    tol = 1e-5 if rule == "kkt" else 1e-4
    for k in range(P.nnz):
        def make(t, k=k):
            d = P.data.copy(); d[k] += t
            return sp.csc_matrix((d, P.indices, P.indptr), shape=P.shape), q, A, l, u
        assert g.dP.data[k] == pytest.approx(fd(make), abs=tol)
    for k in range(len(q)):
        e = np.eye(len(q))[k]
        assert g.dq[k] == pytest.approx(fd(lambda t: (P, q + t * e, A, l, u)), abs=tol)
    for k in range(A.nnz):
        def make(t, k=k):
            d = A.data.copy(); d[k] += t
            return P, q, sp.csc_matrix((d, A.indices, A.indptr), shape=A.shape), l, u
        assert g.dA.data[k] == pytest.approx(fd(make), abs=tol)
    for k in range(len(l)):
        e = np.eye(len(l))[k]
        if np.isfinite(l[k]):
            assert g.dl[k] == pytest.approx(fd(lambda t: (P, q, A, l + t * e, u)), abs=tol)
        if np.isfinite(u[k]):
            assert g.du[k] == pytest.approx(fd(lambda t: (P, q, A, l, u + t * e)), abs=tol)


def test_gradients_are_not_trivially_zero():
    P, q, A, l, u = random_qp(6, 5, 3, density=0.5)
    s = solver_for((P, q, A, l, u))
    s.solve()
    g = s.adjoint(np.ones(6))
    assert np.abs(g.dq).max() > 1e-3 and np.abs(g.dP.data).max() > 1e-3


def test_jvp_is_the_transpose_of_the_adjoint():
    P, q, A, l, u = random_qp(12, 9, 5)
    rng = np.random.default_rng(2)
    s = solver_for((P, q, A, l, u))
    s.solve()
    w = rng.standard_normal(12)
    g = s.adjoint(w)
    vP, vq, vA = rng.standard_normal(P.nnz), rng.standard_normal(12), rng.standard_normal(A.nnz)
    vl, vu = rng.standard_normal(9), rng.standard_normal(9)
    dx, dy, info = s.jvp(dP=vP, dq=vq, dA=vA, dl=vl, du=vu)
    finite_l, finite_u = np.isfinite(l), np.isfinite(u)
    rhs = (g.dP.data @ vP + g.dq @ vq + g.dA.data @ vA + g.dl[finite_l] @ vl[finite_l]
           + g.du[finite_u] @ vu[finite_u])
    assert w @ dx == pytest.approx(rhs, rel=1e-7, abs=1e-9)
    assert info.symbolic_analyses_total == 1


def test_errors_are_typed_with_the_library_messages():
    P, q, A, l, u = DEMO
    s = sparseqp.Solver()
    with pytest.raises(sparseqp.StateError, match="not set up"):
        s.solve()
    with pytest.raises(sparseqp.InvalidArgumentError, match=r"q\[1\] = nan is not finite"):
        s.setup(P, np.array([1.0, np.nan]), A, l, u)
    with pytest.raises(sparseqp.InvalidArgumentError, match=r"q has shape \(3,\), expected \(2,\)"):
        s.setup(P, np.ones(3), A, l, u)
    with pytest.raises(sparseqp.InvalidArgumentError, match="dtype"):
        s.setup(P, np.array(["a", "b"]), A, l, u)
    with pytest.raises(sparseqp.InvalidArgumentError, match=r"l\[0\] is NaN"):
        s.setup(P, q, A, np.array([np.nan, 0, 0]), u)
    with pytest.raises(sparseqp.InvalidProblemError, match="l"):
        s.setup(P, q, A, np.array([2.0, 0, 0]), u)
    with pytest.raises(sparseqp.InvalidSettingsError, match="unknown setting 'eps_abz'"):
        s.setup(P, q, A, l, u, eps_abz=1e-3)
    with pytest.raises(sparseqp.InvalidSettingsError, match="epsAbs must be finite"):
        s.setup(P, q, A, l, u, eps_abs=-1.0)
    s.setup(P, q, A, l, u)
    with pytest.raises(sparseqp.StateError, match="no solve"):
        s.adjoint(np.ones(2))
    with pytest.raises(sparseqp.InvalidSettingsError, match="sigma"):
        s.update_settings(sigma=1e-3)
    s.update(u=np.array([1.0, 0.2, 0.2]))
    assert s.solve().info.status == "primal_infeasible"
    with pytest.raises(sparseqp.NotSolvedError) as e:
        s.adjoint(np.ones(2))
    assert e.value.status == "primal_infeasible"
