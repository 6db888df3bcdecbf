#!/usr/bin/env python3
"""Reference adjoint derivatives from OSQP 1.1.3 for the Implicit tests.

Writes datasets/implicit/osqp_adjoint_reference.json: for a few seeded random sparse QPs (rows:
equality, lower-bounded, upper-bounded, two-sided), the data (P upper CSC, q, A CSC, l, u), OSQP's
solution (x, y), a cotangent dx (dy = 0) and OSQP's adjoint_derivative_* outputs (dq, dl, du and
dP, dA as dense matrices; OSQP's dP is the symmetric-matrix gradient).
Rerun: Benchmarks/peers/.venv/bin/python Benchmarks/peers/osqp_adjoint_reference.py
"""
import json, os
import numpy as np
import scipy.sparse as sp
import osqp

def problem(n, m, seed):
    rng = np.random.default_rng(seed)
    M = sp.random(n, n, density=min(1, 3 / n), random_state=seed, data_rvs=lambda k: rng.uniform(-1, 1, k))
    P = (M.T @ M + 0.1 * sp.eye(n)).tocsc()
    A = sp.random(m, n, density=min(1, 4 / n), random_state=seed + 1, data_rvs=lambda k: rng.uniform(-1, 1, k)).tocsc()
    x0 = rng.uniform(-1, 1, n)
    ax = A @ x0
    l = np.empty(m); u = np.empty(m)
    for i in range(m):
        k = i % 4
        if k == 0: l[i] = u[i] = ax[i]
        elif k == 1: l[i] = ax[i] - rng.uniform(0.1, 1); u[i] = np.inf
        elif k == 2: l[i] = -np.inf; u[i] = ax[i] + rng.uniform(0.1, 1)
        else: l[i] = ax[i] - rng.uniform(0.1, 0.5); u[i] = ax[i] + rng.uniform(0.1, 0.5)
    q = rng.uniform(-10, 10, n)
    return P, q, A, l, u, rng

def finite(v):
    return [None if not np.isfinite(t) else float(t) for t in v]

cases = []
for seed, (n, m) in zip([1, 2, 3], [(12, 8), (16, 12), (20, 14)]):
    P, q, A, l, u, rng = problem(n, m, seed)
    Pu = sp.triu(P, format='csc'); Pu.sort_indices(); A.sort_indices()
    s = osqp.OSQP()
    s.setup(Pu, q, A, l, u, eps_abs=1e-10, eps_rel=1e-10, polishing=True, verbose=False, max_iter=200000)
    r = s.solve()
    assert r.info.status == 'solved', r.info.status
    dx = rng.uniform(-1, 1, n)
    s.adjoint_derivative_compute(dx=dx)
    dP, dA = s.adjoint_derivative_get_mat(as_dense=True, dP_as_triu=False)
    dq, dl, du = s.adjoint_derivative_get_vec()
    cases.append(dict(seed=seed, n=n, m=m,
        P=dict(colptr=Pu.indptr.tolist(), rowind=Pu.indices.tolist(), values=Pu.data.tolist()),
        A=dict(colptr=A.indptr.tolist(), rowind=A.indices.tolist(), values=A.data.tolist()),
        q=q.tolist(), l=finite(l), u=finite(u), x=r.x.tolist(), y=r.y.tolist(), dx=dx.tolist(),
        dq=np.asarray(dq).tolist(), dl=np.asarray(dl).tolist(), du=np.asarray(du).tolist(),
        dP=np.asarray(dP).tolist(), dA=np.asarray(dA).tolist()))
out = os.path.join(os.path.dirname(__file__), '..', '..', 'datasets', 'implicit', 'osqp_adjoint_reference.json')
with open(out, 'w') as f:
    json.dump(dict(generator='Benchmarks/peers/osqp_adjoint_reference.py', osqp=osqp.__version__, cases=cases), f)
print('wrote', os.path.normpath(out), len(cases), 'cases')
