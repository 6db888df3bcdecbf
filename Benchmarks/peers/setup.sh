#!/usr/bin/env bash
# Create/refresh the Python venv used for the peer-solver benchmarks.
#
#   bash Benchmarks/peers/setup.sh            # core: osqp, numpy, scipy, clarabel, piqp, matplotlib
#   bash Benchmarks/peers/setup.sh --torch    # core + torch (CPU), qpth, cvxpy, cvxpylayers, proxsuite
#
# Also builds ftz_shim.so (flush-to-zero LD_PRELOAD shim for suite.py --flush-to-zero) with $CC (default cc).
# Idempotent: re-running reuses .venv and only installs what is missing.
# Exact installed versions are written (pinned) to requirements.txt next to this script.
# Set PYTHON=/path/to/python3 to choose the interpreter (default: python3).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
PYTHON="${PYTHON:-python3}"
WITH_TORCH=0
for arg in "$@"; do
  case "$arg" in
    --torch) WITH_TORCH=1 ;;
    -h|--help) sed -n '2,10p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

if [ ! -x "$VENV/bin/python" ]; then
  echo "[setup] creating venv at $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip install --disable-pip-version-check)

# Core peers. osqp is pinned exactly (the benchmark reports it by version);
# the others are pinned at the versions recorded when this script was written
# but can be bumped here.
CORE=(
  "osqp==1.1.3"
  # numpy < 2 because qpth (optional --torch step) requires numpy<2; pinning it
  # here keeps core and --torch installs in one consistent, idempotent venv.
  "numpy==1.26.4"
  "scipy==1.17.1"
  "clarabel==0.11.1"
  "piqp==0.7.0"
  "matplotlib==3.11.2"
)
echo "[setup] installing core packages"
"${PIP[@]}" "${CORE[@]}"

if [ "$WITH_TORCH" = 1 ]; then
  echo "[setup] installing optional torch stack (CPU)"
  # A CPU wheel of torch 2.13.0 is provided locally (pip find-links); fall back to plain torch.
  if ! "${PIP[@]}" "torch==2.13.0+cpu"; then
    echo "[setup] torch==2.13.0+cpu not installable, falling back to plain 'torch'" >&2
    "${PIP[@]}" torch
  fi
  "${PIP[@]}" "qpth==0.0.18" "cvxpy==1.7.5" "cvxpylayers==1.0.4" "proxsuite==0.8.0"
fi

# The flush-to-zero preload shim (suite.py --flush-to-zero on|both): a C constructor that sets
# FTZ|DAZ (x86) or FPCR.FZ (arm64) before the peer's process starts computing.
CC="${CC:-cc}"
echo "[setup] building $HERE/ftz_shim.so with $CC"
"$CC" -O2 -shared -fPIC -o "$HERE/ftz_shim.so" "$HERE/ftz_shim.c"

# Record exact versions of everything in the venv (pip freeze), with a header.
{
  echo "# Exact versions installed by setup.sh$( [ "$WITH_TORCH" = 1 ] && echo ' --torch' ) ($("$PY" -c 'import sys;print("Python "+sys.version.split()[0])'))."
  echo "# pip freeze of .venv, regenerated on every run of setup.sh (lists the torch stack once --torch has been used)."
  echo "# torch==2.13.0+cpu comes from the local wheel that pip finds via find-links (/opt/wheels here)."
  "$PY" -m pip freeze --disable-pip-version-check | LC_ALL=C sort -f
} > "$HERE/requirements.txt"

"$PY" - <<'PY'
import osqp, numpy, scipy, clarabel, piqp, matplotlib
print("[setup] ok: osqp", osqp.__version__, "numpy", numpy.__version__, "scipy", scipy.__version__,
      "clarabel", clarabel.__version__, "piqp", piqp.__version__, "matplotlib", matplotlib.__version__)
PY
echo "[setup] venv python: $PY"
