"""ember.nn.parallel imports without ember.distributed; DistributedDataParallel says what it needs."""

import importlib
import subprocess
import sys

import pytest

import ember.nn as nn
from ember.nn.parallel import distributed


def test_parallel_imports_in_a_fresh_interpreter():
    code = ("import ember.nn.parallel as p; import ember.nn as nn; "
            "assert p.DistributedDataParallel is nn.parallel.DistributedDataParallel; "
            "assert p.DataParallel is nn.DataParallel; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_ddp_without_ember_distributed_raises_a_clear_error(monkeypatch):
    monkeypatch.setattr(distributed, "_distributed", lambda: None)
    with pytest.raises(RuntimeError, match=r"needs ember.distributed.*pip install 'ember-core\[mpi\]'"):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2))


def test_ddp_without_a_process_group_raises_a_clear_error():
    # PyTorch raises ValueError from its default-group lookup here; ember the same, saying what to call
    import ember.distributed as dist
    assert not dist.is_initialized()
    with pytest.raises(ValueError, match=r"please make sure to call init_process_group"):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2))


def test_distributed_lookup_reports_absence_as_none():
    try:
        importlib.import_module("ember.distributed")
    except ImportError:
        assert distributed._distributed() is None
    else:
        assert distributed._distributed() is not None
