"""Functions that test_multiprocessing runs in child processes (importable by spawned children)."""

import ember


def fill(t, value, done):
    """Write ``value`` into the shared tensor ``t`` and report whether the child saw it as shared."""
    t.fill_(value)
    done.put((t.is_shared(), t.dtype.name, tuple(t.shape)))


def add_rank(rank, t):
    """``ember.multiprocessing.spawn`` target: each rank writes its own element."""
    t[rank] += rank + 1


def fail(rank):
    if rank == 1:
        raise ValueError("rank 1 failed on purpose")


def send_back(queue, received):
    t = ember.arange(6, dtype=ember.float32).reshape(2, 3)
    queue.put(t)
    queue.put(t[:, 1])   # a view of the same memory
    received.wait(60)    # a sender passes descriptors while it lives (as in PyTorch)


def exit_with(rank, code):
    import os
    if rank == 0:
        if code < 0:
            os.kill(os.getpid(), -code)
        os._exit(code)
