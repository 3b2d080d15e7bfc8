#!/usr/bin/env bash
# Build pycuda for ember-cuda without an NVIDIA driver (or with one): the recipe is
# src/ember_cuda/build_pycuda.py (also `python -m ember_cuda.build_pycuda` once ember-cuda is
# installed); see README.md. Usage: scripts/build_pycuda.sh [--cache-dir DIR] [--no-install]
set -euo pipefail
PYTHON=${PYTHON:-python}
exec "$PYTHON" "$(dirname "$0")/../src/ember_cuda/build_pycuda.py" "$@"
