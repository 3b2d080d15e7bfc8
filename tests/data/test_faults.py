"""Worker faults: exceptions carried back with type, worker, index and traceback; deaths; timeouts; cleanup."""

import gc
import os
import signal
import time

import psutil
import pytest
from loader_datasets import Failing, FailingTwoArgs, Ints, Sleepy, Stream, Suicidal, failing_init

import ember
from ember.utils.data import DataLoader


def children():
    return psutil.Process().children(recursive=True)


def open_fds():
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture(autouse=True)
def no_stray_workers():
    before = {p.pid for p in children()}
    yield
    gc.collect()
    gone, alive = psutil.wait_procs([p for p in children() if p.pid not in before], timeout=5)
    assert alive == [], f"worker processes left behind: {alive}"


def test_exception_keeps_type_worker_index_and_traceback():
    loader = DataLoader(Failing(bad=7), batch_size=2, num_workers=2)
    it = iter(loader)
    assert next(it).numpy().tolist() == [0, 1]
    assert next(it).numpy().tolist() == [2, 3]
    assert next(it).numpy().tolist() == [4, 5]
    with pytest.raises(ValueError) as info:
        next(it)   # batch [6, 7] was loaded by worker 1 (round-robin)
    msg = str(info.value)
    assert msg.startswith("Caught ValueError in DataLoader worker process 1 while loading sample index 7.\n"
                          "Original Traceback (most recent call last):\n")
    assert "loader_datasets.py" in msg and "raise self.exc_type" in msg
    assert msg.rstrip().endswith("ValueError: cannot load sample 7")
    assert info.value.worker_id == 1 and info.value.sample_index == 7
    # the loader goes on after an error, as PyTorch's does
    assert next(it).numpy().tolist() == [8, 9]


def test_key_error_message_stays_readable():
    with pytest.raises(KeyError) as info:
        list(DataLoader(Failing(bad=0, exc_type=KeyError), batch_size=2, num_workers=1))
    text = str(info.value)
    assert text.startswith("Caught KeyError in DataLoader worker process 0 while loading sample index 0.\n")
    assert "\\n" not in text


def test_exception_type_that_cannot_be_rebuilt_becomes_runtime_error():
    with pytest.raises(RuntimeError) as info:
        list(DataLoader(FailingTwoArgs(bad=3), batch_size=2, num_workers=2))
    msg = str(info.value)
    assert msg.startswith("Caught NeedsTwoArgs in DataLoader worker process 1 while loading sample index 3.")
    assert "NeedsTwoArgs: 42: no" in msg


def test_error_in_worker_init_fn():
    with pytest.raises(OSError) as info:
        list(DataLoader(Ints(4), batch_size=2, num_workers=2, worker_init_fn=failing_init))
    msg = str(info.value)
    assert msg.startswith("Caught OSError in DataLoader worker process 0 while running worker_init_fn.")
    assert "worker 0 cannot open its files" in msg


def test_error_in_collate_fn_names_the_batch():
    def bad_collate(samples):
        raise TypeError("cannot collate these")
    with pytest.raises(TypeError) as info:
        list(DataLoader(Ints(4), batch_size=2, num_workers=1, collate_fn=bad_collate))
    assert str(info.value).startswith("Caught TypeError in DataLoader worker process 0 while collating the batch "
                                      "of indices [0, 1].")


def test_error_in_an_iterable_dataset_names_the_position():
    class Broken(Stream):
        def __iter__(self):
            yield 0
            raise ArithmeticError("stream broke")
    with pytest.raises(ArithmeticError) as info:
        list(DataLoader(Broken(), batch_size=2, num_workers=1))
    assert str(info.value).startswith("Caught ArithmeticError in DataLoader worker process 0 while loading sample "
                                      "1 of its iterator.")


def test_batch_that_cannot_be_pickled():
    with pytest.raises(Exception) as info:
        list(DataLoader(Ints(2), batch_size=2, num_workers=1, collate_fn=lambda s: (lambda: s)))
    assert "while sending the batch to the main process" in str(info.value)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGSEGV, signal.SIGTERM])
def test_worker_killed_by_a_signal_raises_promptly(sig):
    start = time.monotonic()
    with pytest.raises(RuntimeError) as info:
        list(DataLoader(Suicidal(bad=5, sig=sig), batch_size=2, num_workers=2))
    assert time.monotonic() - start < 5
    name = signal.Signals(sig).name
    assert f"is killed by signal: {signal.strsignal(sig)} ({name})." in str(info.value)
    assert str(info.value).startswith("DataLoader worker 0 (pid ")


def test_worker_exiting_unexpectedly():
    with pytest.raises(RuntimeError, match=r"DataLoader worker 0 \(pid \d+\) exited unexpectedly with exit code 3"):
        list(DataLoader(Suicidal(bad=1, code=3), batch_size=2, num_workers=2))


def test_iterator_stays_failed_after_a_worker_died():
    it = iter(DataLoader(Suicidal(bad=5), batch_size=2, num_workers=2))
    with pytest.raises(RuntimeError, match="killed by signal"):
        list(it)
    with pytest.raises(RuntimeError, match="killed by signal"):
        next(it)


def test_worker_killed_from_outside_while_main_waits():
    it = iter(DataLoader(Sleepy(bad=0, seconds=60), batch_size=1, num_workers=1, timeout=30))
    # the worker itself (started before iter() returns), not whichever child (a forkserver) is listed first
    victim = psutil.Process(it._workers[0].pid)
    os.kill(victim.pid, signal.SIGKILL)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=rf"DataLoader worker 0 \(pid {victim.pid}\) is killed by signal"):
        next(it)
    assert time.monotonic() - start < 5


def test_timeout_raises():
    start = time.monotonic()
    it = iter(DataLoader(Sleepy(bad=0, seconds=60), batch_size=1, num_workers=1, timeout=0.3))
    with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0.3 seconds$"):
        next(it)
    assert time.monotonic() - start < 5
    del it


def test_breaking_out_early_shuts_down_workers_and_frees_everything():
    fds = open_fds()
    loader = DataLoader(Ints(100), batch_size=2, num_workers=2)
    for i, _ in enumerate(loader):
        if i == 3:
            workers = children()
            assert len(workers) == 2
            break
    # the for loop dropped the iterator: workers are stopped and reaped, no zombies
    assert all(not psutil.pid_exists(p.pid) or p.status() != psutil.STATUS_ZOMBIE for p in workers)
    gone, alive = psutil.wait_procs(workers, timeout=5)
    assert alive == []
    assert children() == []
    assert open_fds() == fds                  # sockets and shared-memory descriptors closed


def test_deleting_the_iterator_stops_busy_workers():
    it = iter(DataLoader(Sleepy(bad=3, seconds=60), batch_size=1, num_workers=2))
    next(it)
    workers = children()
    start = time.monotonic()
    del it
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert alive == [] and time.monotonic() - start < 8


def test_deleting_a_persistent_loader_stops_its_workers():
    loader = DataLoader(Ints(10), batch_size=2, num_workers=2, persistent_workers=True)
    list(loader)
    workers = children()
    assert len(workers) == 2
    del loader
    gone, alive = psutil.wait_procs(workers, timeout=5)
    assert alive == []


def test_workers_exit_when_the_main_process_dies(tmp_path):
    script = tmp_path / "main.py"
    script.write_text(
        "import os, sys, time\n"
        f"sys.path.insert(0, {os.path.dirname(__file__)!r})\n"
        "from ember.utils.data import DataLoader\n"
        "from loader_datasets import Ints\n"
        "it = iter(DataLoader(Ints(100), batch_size=1, num_workers=2))\n"
        "next(it)\n"
        "print(' '.join(str(p.pid) for p in it._workers), flush=True)\n"
        "os._exit(0)\n")
    import subprocess
    import sys
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    pids = [int(p) for p in out.stdout.split()]
    assert len(pids) == 2, out.stderr
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(psutil.pid_exists(p) and psutil.Process(p).status() !=
                                              psutil.STATUS_ZOMBIE for p in pids):
        time.sleep(0.1)
    assert not any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in pids)


def test_ctrl_c_is_left_to_the_main_process():
    it = iter(DataLoader(Ints(20), batch_size=2, num_workers=2))
    next(it)
    for worker in children():
        os.kill(worker.pid, signal.SIGINT)
    assert len(list(it)) == 9


def test_error_does_not_leak_descriptors():
    fds = open_fds()
    with pytest.raises(ValueError):
        list(DataLoader(Failing(bad=1), batch_size=2, num_workers=2))
    gc.collect()
    assert open_fds() == fds
    assert ember is not None
