"""Shared random problems for the tests (seeded)."""
import numpy as np
import scipy.sparse as sp

TIGHT = dict(eps_abs=1e-10, eps_rel=1e-10, max_iter=20000)


def random_qp(n, m, seed, density=0.3):
    """A feasible, strictly convex QP: P = MᵀM + I (upper triangle), A sparse random with bounds
    around A·x0, some rows one-sided, some equalities."""
    rng = np.random.default_rng(seed)
    M = sp.random(n, n, density=density, random_state=rng)
    P = sp.triu(M.T @ M + sp.eye(n), format="csc")
    A = sp.random(m, n, density=density, random_state=rng, format="csc")
    A = sp.csc_matrix(A + sp.eye(m, n))  # no empty row
    x0 = rng.standard_normal(n)
    Ax0 = A @ x0
    l = Ax0 - rng.uniform(0.1, 1.0, m)
    u = Ax0 + rng.uniform(0.1, 1.0, m)
    l[::5] = -np.inf
    u[1::7] = np.inf
    q = 3 * rng.standard_normal(n)
    return P, q, A, l, u
