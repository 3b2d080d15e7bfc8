"""Running fuzz cases in a child process, so that a kernel that crashes (SIGSEGV, SIGFPE, an
ASan abort) or hangs fails the one case that did it instead of killing pytest.

A *case* is a JSON-able dict; a *check* is a function ``check(case)`` that raises
``AssertionError`` when ember and the oracle disagree (it may return a JSON-able value), named
``"module:function"`` and importable in the child (``tests/fuzz`` and ``tests/parity`` are on its
path). ``run_isolated`` sends the cases to ``python -m isolation`` (this file), which answers one
JSON line per case; when the child dies mid-case, that case is reported with the signal and a new
child goes on after it.

    from isolation import run_isolated
    outcomes = run_isolated("family_pooling:check", cases)   # one Outcome per case, in order
    failures = [o for o in outcomes if not o.ok]

Any fuzz test may use it (the checkpoint fuzzer too): write the check in a module in
``tests/fuzz``, make cases with ``draw_cases`` (seeded Hypothesis) or by hand.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHILD_PATH = [str(HERE), str(HERE.parent / "parity")]
CASE_TIMEOUT = float(os.environ.get("EMBER_FUZZ_CASE_TIMEOUT", "60"))  # seconds; a hung kernel fails its case
STARTUP_TIMEOUT = 300.0  # importing torch and ember under ASan on a busy machine


@dataclass
class Outcome:
    case: dict
    ok: bool
    detail: str = ""  # the assertion, the traceback, or how the child died
    result: object = None  # what the check returned (JSON), when it passed


def describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return f"hung: no answer within {CASE_TIMEOUT:.0f} s (killed)"
    if returncode < 0:
        try:
            return f"child killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"child killed by signal {-returncode}"
    return f"child exited with status {returncode} mid-case (a sanitizer report, or os._exit)"


def _child_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(CHILD_PATH + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env.setdefault("OMP_NUM_THREADS", "1")
    env["PYTHONFAULTHANDLER"] = "1"  # the crashing Python frame goes to the child's stderr
    return env


CASE_MARK = "--- fuzz case ---\n"  # the child's stderr before each case: a crash report keeps only its case's part


def _since_last_case(lines: list[str]) -> list[str]:
    marks = [i for i, line in enumerate(lines) if line == CASE_MARK]
    return lines[marks[-1] + 1:] if marks else lines


def _reader(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def _run_child(check: str, cases: list[dict], start: int, outcomes: list[Outcome | None]) -> int:
    """Run ``cases[start:]`` in one child; fill ``outcomes``; return the index the next child starts at."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "isolation", check], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=_child_env(), cwd=HERE,
    )
    err_lines: list[str] = []
    threading.Thread(target=lambda: err_lines.extend(proc.stderr), daemon=True).start()
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
    feeder = threading.Thread(target=_feed, args=(proc, cases[start:]), daemon=True)
    feeder.start()
    i, timeout = start, STARTUP_TIMEOUT
    while i < len(cases):
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            line = None
            proc.kill()
            proc.wait()
            returncode = None
        else:
            returncode = 0
        if line is None:  # the child died (or hung) during case i
            if returncode is not None:
                returncode = proc.wait()
            report = _since_last_case(err_lines)  # a sanitizer's or faulthandler's report opens with its gist
            tail = "".join(report[:80]) + (f"[... {len(report) - 80} more lines]\n" if len(report) > 80 else "")
            outcomes[i] = Outcome(cases[i], False, f"{describe_exit(returncode)}\n{tail}")
            return i + 1
        answer = json.loads(line)
        if answer.get("started"):
            timeout = CASE_TIMEOUT
            continue
        outcomes[i] = Outcome(cases[i], answer["ok"], answer["detail"], answer.get("result"))
        i += 1
    proc.stdin.close() if not proc.stdin.closed else None
    proc.wait()
    return i


def _feed(proc, cases: list[dict]) -> None:
    try:
        for case in cases:
            proc.stdin.write(json.dumps(case) + "\n")
        proc.stdin.close()
    except (BrokenPipeError, OSError, ValueError):
        pass  # the child died; the parent reports it


def run_isolated(check: str, cases: list[dict]) -> list[Outcome]:
    """Run ``check`` on every case in child processes; one ``Outcome`` per case, in order."""
    outcomes: list[Outcome | None] = [None] * len(cases)
    i = 0
    while i < len(cases):
        i = _run_child(check, cases, i, outcomes)
    return outcomes


def report(outcomes: list[Outcome], limit: int = 10) -> str:
    """The failures, each with its case (a reproducer: pass it to the check by hand)."""
    bad = [o for o in outcomes if not o.ok]
    parts = [f"{len(bad)} of {len(outcomes)} cases failed"]
    for o in bad[:limit]:
        parts.append(f"case {json.dumps(o.case)}\n  {o.detail.strip()[:2000]}")
    return "\n".join(parts)


def _child_main(check: str) -> None:
    # the protocol owns the real stdout; anything the code under test prints goes to stderr
    proto = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    module, name = check.split(":")
    fn = getattr(__import__(module), name)
    for line in sys.stdin:
        case = json.loads(line)
        sys.stderr.write(CASE_MARK)
        sys.stderr.flush()
        proto.write('{"started": true}\n')
        proto.flush()
        try:
            answer = {"ok": True, "detail": "", "result": fn(case)}
        except AssertionError as err:
            answer = {"ok": False, "detail": f"mismatch: {err}"}
        except Exception:  # noqa: BLE001 - a check that raises is a failure, reported with its traceback
            answer = {"ok": False, "detail": traceback.format_exc()}
        proto.write(json.dumps(answer) + "\n")
        proto.flush()


if __name__ == "__main__":
    _child_main(sys.argv[1])
