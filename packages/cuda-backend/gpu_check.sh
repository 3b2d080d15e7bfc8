#!/usr/bin/env bash
# ember-cuda on a real NVIDIA GPU, in one command (it cannot run on machines without one):
#
#     bash packages/cuda-backend/gpu_check.sh            # from anywhere in the repository
#
# Needs: Linux x86-64, an NVIDIA GPU with driver R580 or newer (CUDA 13; `nvidia-smi` works), Python 3.10+,
# gcc, and about 6 GB of disk for a throw-away venv ($GPU_VENV, default .venv-gpu) with PyTorch (CUDA build).
# It then:
#   1. installs ember (core, autograd, nn, data) and ember-cuda[cublas] from this work tree, builds pycuda with
#      the package's recipe (python -m ember_cuda.build_pycuda; on this machine the real driver is used at run time);
#   2. checks that ember.cuda sees the GPU (or prints the reason and stops);
#   3. runs the kernel tests on the CPU executor (the same .cu files) and ember's conformance suite on the real
#      `cuda` device (tests/cuda/conformance_gpu), gradients included;
#   4. prints ember/PyTorch-CUDA time ratios: matmul 4096^2, a ResNet-18 training step at batch 64, the digits CNN
#      (packages/cuda-backend/scripts/bench_gpu.py). Targets: matmul <= 1.11 (>= 0.9x PyTorch's speed, cuBLAS),
#      ResNet-18 <= 1.5.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VENV=${GPU_VENV:-$ROOT/.venv-gpu}
PYTHON=${PYTHON:-python3}

command -v nvidia-smi >/dev/null || { echo "gpu_check: nvidia-smi not found: this machine has no NVIDIA driver" >&2; exit 2; }
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv

"$PYTHON" -m venv "$VENV"
PY="$VENV/bin/python"
"$PY" -m pip install --quiet --upgrade pip
"$PY" -m pip install --quiet "$ROOT/packages/core" "$ROOT/packages/autograd" "$ROOT/packages/nn" "$ROOT/packages/data" \
    "$ROOT/packages/cuda-backend[cublas]" pytest hypothesis torch
"$PY" -m ember_cuda.build_pycuda

"$PY" - <<'PYEOF'
import ember
if not ember.cuda.is_available():
    raise SystemExit(f"gpu_check: ember sees no GPU: {ember.backends.list()['cuda']}")
print(f"ember.cuda: {ember.cuda.device_count()} device(s), {ember.cuda.get_device_name()}")
PYEOF

cd "$ROOT"
"$PY" -m pytest -q -p no:cacheprovider tests/cuda --ignore=tests/cuda/conformance_sim
"$PY" packages/cuda-backend/scripts/bench_gpu.py
