#!/usr/bin/env python3
"""Compile every ember-cuda kernel file with nvcc for real GPUs, warnings as errors.

Each family is built for each element type it supports, to cubins for sm_80 and sm_90 (one
fatbin per build), with ``-Werror all-warnings`` and ptxas's per-kernel register and spill
report, summarised at the end. nvcc comes from $NVCC, else the ``nvidia-cuda-nvcc`` pip wheel
(with ``nvidia-cuda-runtime`` and ``nvidia-cuda-cccl`` for the headers), else the PATH::

    pip install nvidia-cuda-nvcc nvidia-cuda-runtime nvidia-cuda-cccl
    python packages/cuda-backend/scripts/nvcc_check.py [--families matmul sort] [--dtypes float32] [-j 2]

Exit status 0 when every build succeeds; 2 when nvcc cannot be found.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

KERNEL_DIR = Path(__file__).resolve().parents[1] / "src" / "ember_cuda" / "kernels"
# The family table, read from the kernels package by file so that ember_cuda itself is not imported.
_spec = importlib.util.spec_from_file_location("_ember_cuda_kernels", KERNEL_DIR / "__init__.py")
_kernels = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_kernels)
FAMILIES: dict[str, tuple[str, ...]] = _kernels.FAMILIES

ARCHES = ("sm_80", "sm_90")
_ENTRY = re.compile(r"Compiling entry function '(\w+)' for '(sm_\d+)'")
_REGS = re.compile(r"Used (\d+) registers")
_SPILL = re.compile(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")


def find_nvcc() -> str | None:
    """nvcc from $NVCC, else an installed nvidia-cuda-nvcc wheel (what CI installs), else the PATH."""
    if os.environ.get("NVCC"):
        return os.environ["NVCC"]
    try:
        import nvidia
    except ImportError:
        nvidia = None
    for root in getattr(nvidia, "__path__", []):
        for candidate in sorted(Path(root).glob("*/bin/nvcc")):
            if os.access(candidate, os.X_OK):
                return str(candidate)
    return shutil.which("nvcc")


def nvcc_command(nvcc: str, family: str, dtype: str, out: Path, arches=ARCHES) -> list[str]:
    cmd = [nvcc, "-fatbin", "-std=c++17", "-Werror", "all-warnings", "-Xptxas", "-v", f"-DEMBER_DTYPE={dtype}"]
    if family == "copy":
        cmd.append(f"-DEMBER_SRC_DTYPE={'float32' if dtype != 'float32' else 'float16'}")
    for arch in arches:
        cmd += ["-gencode", f"arch=compute_{arch[3:]},code={arch}"]
    return [*cmd, "-I", str(KERNEL_DIR), str(KERNEL_DIR / f"{family}.cu"), "-o", str(out)]


def parse_report(text: str) -> list[tuple[str, str, int, int, int]]:
    """(kernel, arch, registers, spill stores, spill loads) for each entry ptxas compiled."""
    rows, current, spill = [], None, (0, 0, 0)
    for line in text.splitlines():
        m = _ENTRY.search(line)
        if m:
            current = m.groups()
            spill = (0, 0, 0)
            continue
        m = _SPILL.search(line)
        if m and current:
            spill = tuple(int(v) for v in m.groups())
            continue
        m = _REGS.search(line)
        if m and current:
            rows.append((current[0], current[1], int(m.group(1)), spill[1], spill[2]))
            current = None
    return rows


def build(nvcc: str, family: str, dtype: str, out_dir: Path, arches) -> tuple[str, str, int, str]:
    out = out_dir / f"{family}-{dtype}.fatbin"
    done = subprocess.run(nvcc_command(nvcc, family, dtype, out, arches), capture_output=True, text=True)
    return family, dtype, done.returncode, done.stdout + done.stderr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", nargs="*", default=list(FAMILIES))
    parser.add_argument("--dtypes", nargs="*", default=None, help="default: every type each family supports")
    parser.add_argument("--arch", nargs="*", default=list(ARCHES))
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="keep the fatbins here")
    args = parser.parse_args(argv)
    nvcc = find_nvcc()
    if nvcc is None:
        print(
            "nvcc not found: set NVCC, put nvcc on PATH, or pip install nvidia-cuda-nvcc nvidia-cuda-runtime "
            "nvidia-cuda-cccl",
            file=sys.stderr,
        )
        return 2
    unknown = sorted(set(args.families) - set(FAMILIES))
    if unknown:
        parser.error(f"unknown families {unknown}; choose from {list(FAMILIES)}")
    jobs = [(f, d) for f in args.families for d in FAMILIES[f] if args.dtypes is None or d in args.dtypes]
    version = subprocess.run([nvcc, "--version"], capture_output=True, text=True).stdout.strip().splitlines()
    print(f"nvcc: {nvcc} ({version[-1] if version else '?'}); {len(jobs)} builds for {', '.join(args.arch)}")
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = args.out or Path(tmp)
        out_dir.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            results = list(pool.map(lambda job: build(nvcc, *job, out_dir, args.arch), jobs))
    failed = 0
    print(f"{'family':<12}{'dtype':<9}{'arch':<7}{'kernel':<34}{'regs':>5}{'spill st':>10}{'spill ld':>10}")
    for family, dtype, rc, text in results:
        if rc != 0:
            failed += 1
            print(f"FAILED {family}.cu with EMBER_DTYPE={dtype}:\n{text.strip()}\n")
            continue
        for kernel, arch, regs, stores, loads in parse_report(text):
            flag = "  <- spills" if stores or loads else ""
            print(f"{family:<12}{dtype:<9}{arch:<7}{kernel:<34}{regs:>5}{stores:>10}{loads:>10}{flag}")
    print(f"nvcc check: {len(results) - failed} of {len(results)} builds compiled without warnings")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
