"""Launchers: Python functions with the CPU kernels' signatures that run ``.cu`` kernels.

Each family module exposes ``kernels(backend) -> dict``; a family whose ``.cu`` file is not
in the package yet contributes nothing (its ops fall back to the CPU).
"""

from __future__ import annotations

FAMILIES: tuple[str, ...] = ()


def kernels(backend) -> dict:
    import importlib

    table: dict = {}
    for family in FAMILIES:
        table.update(importlib.import_module(f"ember_cuda.launchers.{family}").kernels(backend))
    return table
