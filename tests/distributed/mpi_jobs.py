"""Tests of ember.distributed run real MPI jobs: ``mpirun -n N python worker.py`` from pytest."""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

WORKERS = Path(__file__).parent / "workers"


def mpirun_path() -> str | None:
    here = Path(sys.executable).parent / "mpirun"
    return str(here) if here.exists() else shutil.which("mpirun")


needs_mpi = pytest.mark.skipif(importlib.util.find_spec("mpi4py") is None or mpirun_path() is None,
                               reason="needs the mpi extra: pip install 'ember-core[mpi]'")


def mpi_env() -> dict:
    env = dict(os.environ)
    env.update({"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1", "OMP_NUM_THREADS": "1",
                "PYTHONUNBUFFERED": "1"})
    for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "EMBER_DISTRIBUTED_DEBUG"):
        env.pop(key, None)
    return env


def run_mpi(n: int, script: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``workers/<script>`` (or the script at that path) on ``n`` MPI ranks (oversubscribed:
    CI machines have few cores)."""
    cmd = [mpirun_path(), "-n", str(n), "--oversubscribe", sys.executable, str(WORKERS / script), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=mpi_env())
