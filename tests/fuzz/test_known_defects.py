"""Each known defect's reproducer still fails (strict xfail): when a fix lands, its test passes,
fails the run, and the entry in known_defects.py is to be removed."""

import functools

import pytest
from isolation import run_isolated
from known_defects import DEFECTS


@functools.cache
def _outcomes(family: str) -> dict:
    """Every reproducer of ``family``, run in one child process (a crash only costs a restart)."""
    defects = [d for d in DEFECTS if d.family == family]
    return {d.name: o for d, o in zip(defects, run_isolated(f"{family}:check", [d.reproducer for d in defects]))}


@pytest.mark.parametrize("defect", [pytest.param(d, id=d.name, marks=pytest.mark.xfail(strict=True, reason=d.note))
                                    for d in DEFECTS])
def test_reproducer(defect):
    outcome = _outcomes(defect.family)[defect.name]
    assert outcome.ok, outcome.detail
