"""The runner reports a crashing or hanging case as that case's failure and goes on after it."""

import isolation
from isolation import run_isolated


def test_crash_names_the_case_and_the_run_goes_on():
    cases = [{"do": "pass"}, {"do": "segv"}, {"do": "fail"}, {"do": "pass"}]
    outcomes = run_isolated("isolation_probe:check", cases)
    assert [o.ok for o in outcomes] == [True, False, False, True]
    assert "SEGV" in outcomes[1].detail  # the signal, or the sanitizer's report of it
    assert outcomes[1].case == {"do": "segv"}
    assert "mismatch: told to fail" in outcomes[2].detail


def test_an_exception_in_the_check_is_a_failure_with_its_traceback():
    [outcome] = run_isolated("isolation_probe:check", [{"do": "raise"}])
    assert not outcome.ok and "ZeroDivisionError" in outcome.detail


def test_a_hang_is_killed_and_reported(monkeypatch):
    monkeypatch.setattr(isolation, "CASE_TIMEOUT", 2.0)
    outcomes = run_isolated("isolation_probe:check", [{"do": "hang"}, {"do": "pass"}])
    assert not outcomes[0].ok and "hung" in outcomes[0].detail
    assert outcomes[1].ok
