"""ember.distributed on real MPI processes: collectives, DDP and failures, on 2 and 3 ranks."""

import subprocess
import sys
from pathlib import Path

import pytest
from mpi_jobs import WORKERS, mpi_env, needs_mpi, run_mpi

pytestmark = needs_mpi


def _passed(result, n: int, what: str) -> None:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    for r in range(n):
        assert f"rank {r}: " in result.stdout and what in result.stdout, result.stdout


@pytest.mark.parametrize("n", [2, 3])
def test_every_collective_matches_numpy(n):
    _passed(run_mpi(n, "collectives.py"), n, "collective checks passed")


@pytest.mark.parametrize("n", [2, 3])
def test_list_forms_batched_p2p_monitored_barrier_and_mismatch_checks(n):
    _passed(run_mpi(n, "lists_and_checks.py"), n, "list-form and check tests passed")


@pytest.mark.parametrize("n", [2, 3])
def test_ddp_matches_one_process_on_the_whole_batch(n):
    _passed(run_mpi(n, "ddp.py"), n, "DDP checks passed")


@pytest.mark.parametrize("where", ["all_reduce", "ddp"])
@pytest.mark.parametrize("how", ["raise", "kill"])
def test_a_failing_rank_ends_the_job_with_an_error(how, where):
    # the other rank waits in a collective that cannot complete: the job must still end, within 30 s
    result = run_mpi(2, "failing_rank.py", how, where, timeout=30)
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert "unreachable" not in out
    if how == "raise":
        assert "rank 1 of 2 raised ValueError: rank 1 gives up on purpose" in out, out
    else:
        assert "rank 1" in out, out


def _alone(code: str, **env) -> subprocess.CompletedProcess:
    """Run ``code`` in one process started without mpirun (an MPI world of one)."""
    full = mpi_env()
    full.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=full)


def test_a_process_started_without_mpirun_is_a_world_of_one():
    result = _alone(
        "import ember, ember.distributed as dist, os\n"
        "dist.init_process_group('mpi', init_method='env://')\n"
        "t = ember.tensor([1.0, 2.0])\n"
        "dist.all_reduce(t)\n"
        "print(dist.get_rank(), dist.get_world_size(), t.tolist(), os.environ['RANK'], os.environ['WORLD_SIZE'])\n"
        "dist.destroy_process_group()\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "1", "[1.0,", "2.0]", "0", "1"]


def test_world_size_from_the_environment_must_match_mpi():
    result = _alone("import ember.distributed as dist\ndist.init_process_group('mpi')\n", WORLD_SIZE="2", RANK="0")
    assert result.returncode != 0
    assert "world_size is 2" in result.stderr and "mpirun -n 2" in result.stderr, result.stderr


def test_tcp_rendezvous_without_mpirun_is_a_clear_error():
    result = _alone("import ember.distributed as dist\n"
                    "dist.init_process_group('mpi', init_method='tcp://127.0.0.1:29411', world_size=2, rank=1)\n")
    assert result.returncode != 0
    assert "DistNetworkError" in result.stderr and "not started by mpirun" in result.stderr, result.stderr
    assert "mpirun -n 2 python script.py" in result.stderr, result.stderr


def test_tcp_init_method_in_a_world_of_one():
    result = _alone("import ember, ember.distributed as dist\n"
                    "dist.init_process_group('mpi', init_method='tcp://127.0.0.1:29412', world_size=1, rank=0)\n"
                    "print(dist.get_rank(), dist.get_world_size())\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "1"]


def test_the_launcher_runs_a_script_on_every_rank():
    script = str(WORKERS / "hello.py")
    result = subprocess.run([sys.executable, "-m", "ember.distributed.run", "--nproc-per-node", "2", script, "--lr",
                             "0.1"], capture_output=True, text=True, timeout=120, env=mpi_env())
    assert result.returncode == 0, result.stderr
    lines = sorted(line for line in result.stdout.splitlines() if line.startswith("hello"))
    heads = [line.split(" local=")[0] for line in lines]
    assert heads == ["hello rank=0 world=2 env=0/2", "hello rank=1 world=2 env=1/2"]
    assert all(line.endswith("sum=3 args=['--lr', '0.1']") for line in lines), lines


@pytest.mark.slow
def test_the_ddp_digits_example_reaches_the_single_process_accuracy_and_resumes(tmp_path):
    pytest.importorskip("sklearn")
    example = str(Path(__file__).resolve().parents[2] / "examples" / "train_digits_ddp.py")
    out = str(tmp_path / "run")
    first = run_mpi(2, example, "--epochs", "3", "--out", out, timeout=600)
    assert first.returncode == 0, first.stderr
    assert "epoch  3: validation accuracy" in first.stdout and (tmp_path / "run" / "checkpoint.pth").exists()
    second = run_mpi(2, example, "--epochs", "6", "--out", out, timeout=600)
    assert second.returncode == 0, second.stderr
    assert "resuming from" in second.stdout and "after epoch 3" in second.stdout
    assert "epoch  1:" not in second.stdout and "epoch  4:" in second.stdout
    accuracy = float(second.stdout.split("test accuracy ")[1].split()[0])
    assert accuracy >= 0.97, second.stdout  # the single-process job's bar (tests/integration)


def test_a_size_mismatch_ends_the_job_with_an_error_naming_both_sides():
    result = run_mpi(2, "mismatch.py", timeout=30)
    out = result.stdout + result.stderr
    assert result.returncode != 0 and "unreachable" not in out, out
    assert ("collective mismatch: rank 0 called all_reduce(float32[1000], op=SUM) but rank 1 called "
            "all_reduce(float32[1001], op=SUM)") in out, out
