"""ember keeps freed array memory for reuse (glibc malloc tuning), unless told not to."""

import os
import subprocess
import sys

import pytest

CYCLES = """
import resource, sys
import numpy as np
import ember
from ember.backends.cpu import allocator

def cycle():
    arrays = [np.ones(1 << 18, dtype=np.float32) for _ in range(16)]   # 16 x 1 MiB, touched, then freed
    del arrays

cycle()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    cycle()
print(allocator.TUNED, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""

glibc = pytest.mark.skipif(not sys.platform.startswith("linux") or
                           not os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc"), reason="glibc malloc only")


def _faults(tuning: str) -> tuple[bool, int]:
    env = dict(os.environ, EMBER_MALLOC_TUNING=tuning)
    out = subprocess.run([sys.executable, "-c", CYCLES], env=env, capture_output=True, text=True, check=True)
    tuned, faults = out.stdout.split()
    return tuned == "True", int(faults)


@glibc
def test_freed_memory_is_reused_without_page_faults():
    tuned, faults = _faults("1")
    assert tuned
    assert faults < 500            # 10 cycles of 16 MiB would be ~40,000 faults if the memory went back


@glibc
def test_tuning_can_be_turned_off():
    tuned, faults = _faults("0")
    assert not tuned
    assert faults > 10_000         # glibc's defaults return the freed 16 MiB to the kernel every cycle
