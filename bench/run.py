"""Run ember-vs-PyTorch benchmarks side by side and print the ratio ember/PyTorch.

    python bench/run.py              # every bench/bench_*.py
    python bench/run.py core data    # only bench_core.py and bench_data.py
    python bench/run.py --markdown   # also print a Markdown table (the README's) with date, commit, machine

Each ``bench_<area>.py`` defines ``cases()``, yielding ``Case`` objects: a name, a
zero-argument callable per framework that runs the workload once, and the target ratio.
Times are the best of several repeats (``timeit`` autorange), in one process run.
"""

from __future__ import annotations

import datetime
import importlib
import os
import platform
import subprocess
import sys
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass
class Case:
    name: str
    ember: Callable[[], object] | float   # a workload to time, or seconds already measured
    torch: Callable[[], object] | float | None
    target: float | None = None   # ember/other time ratio that counts as a pass
    unit: str = "time"            # what is compared; "time" means seconds per call
    against: str = "torch"        # label of the baseline column


def measure(fn: Callable[[], object] | float, repeat: int = 5, min_time: float = 0.2) -> float:
    """Best seconds per call of ``fn`` (or ``fn`` itself when it is a measured time)."""
    if isinstance(fn, float):
        return fn
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    number = max(1, int(number * min_time / 0.2))
    return min(timer.repeat(repeat=repeat, number=number)) / number


def fmt(seconds: float) -> str:
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:8.2f} {unit}"
    return f"{seconds / 1e-9:8.2f} ns"


def run_module(name: str) -> list[tuple[Case, float, float | None]]:
    sys.path.insert(0, str(HERE))
    module = importlib.import_module(f"bench_{name}")
    rows = []
    for case in module.cases():
        ours = measure(case.ember)
        theirs = measure(case.torch) if case.torch is not None else None
        rows.append((case, ours, theirs))
        ratio = f"{ours / theirs:6.2f}x" if theirs else "   n/a"
        verdict = ""
        if case.target is not None and theirs:
            verdict = "ok" if ours / theirs <= case.target else f"MISSED (target <= {case.target}x)"
        base = fmt(theirs) if theirs else " " * 11
        print(f"{name:8} {case.name:52} ember {fmt(ours)}  {case.against} {base}  ratio {ratio}  {verdict}",
              flush=True)
    return rows


def machine() -> str:
    """The CPU model, core count and library versions the figures were measured with."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import numpy
    import torch
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, NumPy {numpy.__version__}, " \
           f"PyTorch {torch.__version__}"


def markdown(rows: list[tuple[str, Case, float, float | None]]) -> str:
    """The results as the README's table: one row a case, with when, where and at which commit."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=HERE).stdout.strip() or "unknown"
    lines = [f"Measured {datetime.date.today().isoformat()} at commit `{commit}` on {machine()}; "
             "ratio = ember time / baseline time, lower is better.", "",
             "| area | workload | ember | baseline | ratio |", "|---|---|---|---|---|"]
    for area, case, ours, theirs in rows:
        base = f"{fmt(theirs).strip()} ({case.against})" if theirs else "n/a"
        ratio = f"{ours / theirs:.2f}×" if theirs else ""
        lines.append(f"| {area} | {case.name} | {fmt(ours).strip()} | {base} | {ratio} |")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    as_markdown = "--markdown" in argv
    argv = [a for a in argv if a != "--markdown"]
    names = argv or sorted(p.stem[len("bench_"):] for p in HERE.glob("bench_*.py"))
    rows = []
    for name in names:
        rows += [(name, *row) for row in run_module(name)]
    if as_markdown:
        print()
        print(markdown(rows))


if __name__ == "__main__":
    main(sys.argv[1:])
