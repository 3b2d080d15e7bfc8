"""A check whose cases say what it does: pass, fail, raise, crash or hang (tests the runner)."""

import ctypes
import time


def check(case: dict) -> None:
    what = case["do"]
    if what == "fail":
        raise AssertionError("told to fail")
    if what == "raise":
        1 / 0
    if what == "segv":
        ctypes.string_at(0)  # reads address 0
    if what == "hang":
        time.sleep(3600)
