"""One family's fuzz run: draw the cases, run them isolated, set the known defects apart, and
fail on anything else."""

from __future__ import annotations

import json
import os
from importlib import import_module
from pathlib import Path

from budget import draw_cases
from isolation import report, run_isolated
from known_defects import known_defect


def fuzz_family(module: str, n: int | None = None) -> list[str]:
    """Fuzz ``module`` (a ``family_*`` module with ``cases()`` and ``check``) with the run's budget.

    Returns what went wrong: the cases that disagree with PyTorch and are no known defect, and the
    ops whose every case PyTorch refused (a broken generator or harness). Empty means agreement.
    """
    cases = draw_cases(import_module(module).cases(), n)
    outcomes = run_isolated(f"{module}:check", cases)
    failed = [o for o in outcomes if not o.ok]
    known = {}
    unknown = []
    for o in failed:
        name = known_defect(module, o.case, o.detail)
        if name:
            known.setdefault(name, []).append(o)
        else:
            unknown.append(o)
    summary = (f"{module}: {len(cases)} cases, {len(failed)} failed; known defects: "
               + (", ".join(f"{k} ({len(v)})" for k, v in sorted(known.items())) or "none"))
    print(summary)
    if os.environ.get("EMBER_FUZZ_REPORT"):  # a directory: every failure with its case, as JSON lines
        path = Path(os.environ["EMBER_FUZZ_REPORT"]) / f"{module}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w") as f:
            for o in failed:
                known_as = known_defect(module, o.case, o.detail)
                f.write(json.dumps({"case": o.case, "known": known_as, "detail": o.detail}) + "\n")
    problems = [f"{summary}\n{report(unknown)}"] if unknown else []
    return problems + _starved_ops(module, outcomes)


def _starved_ops(module: str, outcomes) -> list[str]:
    """Every op with a few passing cases had some that PyTorch computed, not only errors: a harness
    that made every call raise (a wrong argument, say) would otherwise pass everything."""
    by_op: dict = {}
    for o in outcomes:
        if o.ok:
            by_op.setdefault(o.case.get("op") or o.case.get("optimizer"), []).append(o.result)
    starved = sorted(op for op, results in by_op.items() if len(results) >= 10 and "returned" not in results)
    return [f"{module}: PyTorch raised in every case of {starved}; the generator or the harness is wrong"] \
        if starved else []
