"""Launchers: Python functions with the CPU kernels' signatures that run the ``.cu`` kernels.

Each family module gives table entries for the ops it runs on the device; an op whose operands a
kernel does not take falls back to the CPU call by call. Families of ``kernels/`` not wired in
here yet run entirely through the backend's CPU fallback (listed in the package README).
"""

from __future__ import annotations


def kernels(backend) -> dict:
    from ember_cuda.backend import on_host
    from ember_cuda.launchers.common import Launcher
    from ember_cuda.launchers.elementwise import elementwise_kernels
    from ember_cuda.launchers.matmul import matmul_kernels
    from ember_cuda.launchers.optim import optim_kernels
    from ember_cuda.launchers.pool import pool_kernels
    from ember_cuda.launchers.reduction import reduction_kernels
    from ember_cuda.launchers.softmax import softmax_kernels

    launcher = Launcher(backend)
    fallback = lambda name: on_host(backend, name, None)  # noqa: E731
    table: dict = {}
    table.update(elementwise_kernels(backend, launcher, fallback))
    table.update(reduction_kernels(backend, launcher, fallback))
    table.update(matmul_kernels(backend, launcher, fallback))
    table.update(optim_kernels(backend, launcher, fallback))
    table.update(softmax_kernels(backend, launcher, fallback))
    table.update(pool_kernels(backend, launcher, fallback))
    return table
