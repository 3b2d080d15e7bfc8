"""Keep freed tensor memory in the process for reuse, instead of returning it to the kernel.

A training step allocates and frees the same large arrays every iteration. With glibc's
defaults, freed memory at the top of the heap beyond twice the largest recent free is given
back to the kernel, and memory above the mmap threshold is unmapped on free; the next step
then pays a page fault (and the kernel's zeroing) for every 4 KiB it touches: about 3,000
faults, several milliseconds, per LeNet or conv-block step here. PyTorch users reach for
jemalloc or tcmalloc for the same reason. ember instead sets two glibc malloc parameters
once, when the CPU backend loads:

- ``M_MMAP_THRESHOLD`` = 32 MiB (glibc's largest value on 64-bit): blocks below it come from
  the heap, so they can be reused;
- ``M_TRIM_THRESHOLD`` = 1 GiB: up to that much free memory stays mapped for reuse.

The process keeps its peak heap (up to 1 GiB free) instead of shrinking between steps. Set
``EMBER_MALLOC_TUNING=0`` before importing ember to leave malloc's defaults alone. On other C
libraries (macOS, Windows, musl) nothing changes.
"""

from __future__ import annotations

import ctypes
import os

M_TRIM_THRESHOLD = -1   # glibc's mallopt parameter numbers (malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 1 << 30


def _glibc() -> bool:
    try:
        return os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    except (AttributeError, ValueError, OSError):   # no confstr, or not a GNU C library
        return False


def tune_malloc() -> bool:
    """Apply the settings above; True when glibc accepted both."""
    if os.environ.get("EMBER_MALLOC_TUNING", "1") == "0":
        return False
    if not _glibc():
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")   # the GNU C library, checked above
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


TUNED = tune_malloc()
