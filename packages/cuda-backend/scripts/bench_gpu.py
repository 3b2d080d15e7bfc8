"""ember on ``cuda`` against PyTorch CUDA, on one GPU: the ratio ember time / PyTorch time.

Run by ``gpu_check.sh`` (needs a GPU, PyTorch with CUDA, torchvision not needed). Workloads:
matmul 4096² float32, a ResNet-18 training step at batch 64 (3×224×224, SGD with momentum,
the model of ``bench/bench_models.py``), and a training step of the digits CNN of
``examples/train_digits.py`` (batch 64, 1×8×8, Adam). Each time is the best of several
repeats, each repeat ending with a device synchronize. Targets (issue 14): matmul ≥ 0.9× PyTorch's
speed with cuBLAS (ratio ≤ 1.11), ResNet-18 step ≤ 1.5×.
"""

from __future__ import annotations

import sys
import timeit
from pathlib import Path

import numpy as np
import torch

import ember

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bench"))
from bench_models import resnet18  # noqa: E402  (the same model code for both frameworks)


def best(fn, sync, repeat: int = 5) -> float:
    def once():
        fn()
        sync()

    once()  # warm-up: compiles kernels, fills the caching allocators
    timer = timeit.Timer(once)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=repeat, number=number)) / number


def matmul_case():
    a = np.random.default_rng(0).standard_normal((4096, 4096), dtype=np.float32)
    ea, ta = ember.from_numpy(a).cuda(), torch.from_numpy(a).cuda()
    return "matmul 4096x4096 float32", (lambda: ea @ ea), (lambda: ta @ ta), 1.0 / 0.9


def digits_cnn(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.Conv2d(32, 64, 3, padding=1),
                         nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
                         nn.Linear(64 * 4 * 4, 128), nn.ReLU(), nn.Linear(128, 10))


def train_step_case(name, build, shape, optimizer, target=None):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape, dtype=np.float32)
    y = rng.integers(0, 10, shape[0])
    steps = []
    for lib in (ember, torch):
        model = build(lib).cuda()
        opt = optimizer(lib, model.parameters())
        xs, ys = lib.from_numpy(x).cuda(), lib.from_numpy(y).cuda()
        loss_fn = lib.nn.CrossEntropyLoss()

        def step(model=model, opt=opt, xs=xs, ys=ys, loss_fn=loss_fn):
            opt.zero_grad()
            loss_fn(model(xs), ys).backward()
            opt.step()

        steps.append(step)
    return name, steps[0], steps[1], target


def main() -> None:
    if not (ember.cuda.is_available() and torch.cuda.is_available()):
        raise SystemExit(f"bench_gpu: needs a GPU for both ember and PyTorch (ember: {ember.backends.list()['cuda']}; "
                         f"PyTorch: cuda available = {torch.cuda.is_available()})")
    sgd = lambda lib, p: lib.optim.SGD(p, lr=0.01, momentum=0.9)
    adam = lambda lib, p: lib.optim.Adam(p, lr=1e-3)
    cases = [
        matmul_case(),
        train_step_case("ResNet-18 step, batch 64, 3x224x224, SGD", resnet18, (64, 3, 224, 224), sgd, 1.5),
        train_step_case("digits CNN step, batch 64, 1x8x8, Adam", digits_cnn, (64, 1, 8, 8), adam),
    ]
    print(f"ember {ember.cuda.get_device_name()} vs PyTorch {torch.__version__} {torch.cuda.get_device_name()}")
    print(f"{'workload':45s} {'ember':>10s} {'PyTorch':>10s} {'ratio':>7s}  target")
    for name, ember_fn, torch_fn, target in cases:
        te, tt = best(ember_fn, ember.cuda.synchronize), best(torch_fn, torch.cuda.synchronize)
        verdict = "" if target is None else ("ok" if te / tt <= target else f"MISSES <= {target:.2f}")
        print(f"{name:45s} {te * 1e3:8.2f}ms {tt * 1e3:8.2f}ms {te / tt:7.2f}  {verdict}")


if __name__ == "__main__":
    main()
