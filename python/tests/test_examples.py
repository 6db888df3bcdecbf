"""Smoke test of examples/: each runs with --quick, prints its progress and saves a PNG plot."""
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("script", ["mpc_learning.py", "portfolio_dfl.py", "tv_denoising.py", "lasso_layer.py"])
def test_example_runs_and_saves_its_plot(script, tmp_path):
    out = tmp_path / (Path(script).stem + ".png")
    run = subprocess.run([sys.executable, str(EXAMPLES / script), "--quick", "--out", str(out)],
                         capture_output=True, text=True, timeout=300, cwd=EXAMPLES)
    assert run.returncode == 0, run.stdout + run.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    lines = [line for line in run.stdout.splitlines() if line.startswith("[")]
    assert len(lines) >= 3 and f"saved {out}" in lines[-1], run.stdout
