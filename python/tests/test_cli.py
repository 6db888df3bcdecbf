"""Gradients of sparseqp.Solver against the `sparseqp grad` CLI on the same problem (QPS file)."""
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

import sparseqp
from conftest import TIGHT, random_qp

CLI = Path(__file__).resolve().parents[2] / ".build" / "debug" / "sparseqp"


def write_qps(path, P, q, A, l, u):
    """Free variables, one constraint row per row of A (E, L, G, or G with a RANGE)."""
    n, m = A.shape[1], A.shape[0]
    kinds, rhs, ranges = [], {}, {}
    for i in range(m):
        if l[i] == u[i]:
            kinds.append("E"); rhs[i] = l[i]
        elif np.isinf(l[i]):
            kinds.append("L"); rhs[i] = u[i]
        elif np.isinf(u[i]):
            kinds.append("G"); rhs[i] = l[i]
        else:
            kinds.append("G"); rhs[i] = l[i]; ranges[i] = u[i] - l[i]
    lines = ["NAME cli", "ROWS", " N obj"] + [f" {k} c{i}" for i, k in enumerate(kinds)] + ["COLUMNS"]
    for j in range(n):
        lines.append(f" x{j} obj {float(q[j])!r}")
        for p in range(A.indptr[j], A.indptr[j + 1]):
            lines.append(f" x{j} c{A.indices[p]} {float(A.data[p])!r}")
    lines += ["RHS"] + [f" rhs c{i} {float(v)!r}" for i, v in rhs.items()]
    lines += ["RANGES"] + [f" rng c{i} {float(v)!r}" for i, v in ranges.items()]
    lines += ["BOUNDS"] + [f" FR bnd x{j}" for j in range(n)]
    lines += ["QUADOBJ"]
    for j in range(n):
        for p in range(P.indptr[j], P.indptr[j + 1]):
            lines.append(f" x{P.indices[p]} x{j} {float(P.data[p])!r}")
    lines.append("ENDATA")
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.skipif(not CLI.exists(), reason="the sparseqp CLI is built by `swift build` (scripts/test does it)")
def test_adjoint_matches_the_cli(tmp_path):
    P, q, A, l, u = random_qp(12, 9, 91)
    both_infinite = np.isinf(l) & np.isinf(u)
    u[both_infinite] = 10.0  # a QPS row has at least one finite side
    path = tmp_path / "p.qps"
    write_qps(path, P, q, A, l, u)
    s = sparseqp.Solver()
    s.setup(P, q, A, l, u, **TIGHT)
    assert s.solve().info.status == "solved"
    g = s.adjoint(np.ones(12))
    run = subprocess.run([str(CLI), "grad", str(path), "--dx", "ones", "--eps-abs", "1e-10", "--eps-rel", "1e-10",
                          "--json"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    cli = json.loads(run.stdout)
    assert cli["status"] == "solved"
    np.testing.assert_allclose(cli["dq"], g.dq, atol=1e-7)
    np.testing.assert_allclose(cli["dl_rows"], np.where(np.isinf(l), 0, g.dl), atol=1e-7)
    np.testing.assert_allclose(cli["du_rows"], np.where(np.isinf(u), 0, g.du), atol=1e-7)
    dP = g.dP.toarray()
    for r, c, v in zip(cli["dP"]["row"], cli["dP"]["col"], cli["dP"]["val"]):
        assert v == pytest.approx(dP[r, c], abs=1e-7)
    dA = g.dA.toarray()
    for r, c, v in zip(cli["dA"]["row"], cli["dA"]["col"], cli["dA"]["val"]):
        assert v == pytest.approx(dA[r, c], abs=1e-7)
    assert len(cli["dA"]["val"]) == A.nnz
