"""``Work``: the handle an ``async_op=True`` collective returns."""

from __future__ import annotations

import time

from ember.distributed.errors import DistBackendError

__all__ = ["Work", "wait_all"]


def wait_all(pending, timeout: float | None, what: str, sleep_after: float | None = None) -> None:
    """Wait for the backend requests ``pending`` (objects with ``test()`` and ``wait()``).

    With ``timeout`` (seconds) the requests are polled and a ``DistBackendError`` naming
    ``what`` is raised when they are not complete in time; without, the backend waits.
    ``sleep_after`` (seconds): once the wait has polled that long (and at least a few times),
    sleep between polls (50 us, doubling up to 200 us), so that a rank waiting for a late one
    gives the core to it (ranks often share cores; MPI's own waits spin). None: never sleep.
    The cap is short because MPI moves a large message on only inside its calls.
    """
    try:
        _wait(pending, timeout, what, sleep_after)
    except DistBackendError:
        raise
    except Exception as exc:  # the backend's own error (MPI_ERR_TRUNCATE, ...): say what it was doing
        raise DistBackendError(
            f"{what} failed in the collective backend ({type(exc).__name__}: {exc}); a truncation error means "
            f"the receiving tensor is smaller than what was sent (send and recv of different sizes)") from exc


_BUSY_POLLS = 32  # polls before a sleeping wait may sleep: a peer that is nearly there costs no sleep
_MAX_PAUSE = 2e-4  # seconds; DDP steps at 2 ranks on a loaded 2-core machine were fastest with 0.2 ms (vs 1 ms)


def _wait(pending, timeout: float | None, what: str, sleep_after: float | None) -> None:
    if timeout is None and sleep_after is None:
        for p in pending:
            p.wait()
        return
    start = time.monotonic()
    deadline = None if timeout is None else start + timeout
    spins = 0
    pause = 0.0  # 0 while spinning, then the current sleep
    for p in pending:
        while not p.test():  # each test() also drives MPI's progress
            spins += 1
            if spins % 16 == 0:
                now = time.monotonic()
                if deadline is not None and now > deadline:
                    raise DistBackendError(
                        f"{what} did not complete within {timeout:g} s: another rank of the group did not take "
                        f"part in it (it raised, is stuck, or called a different collective); the process group "
                        f"cannot be used any more")
                if not pause and sleep_after is not None and spins > _BUSY_POLLS and now - start >= sleep_after:
                    pause = 5e-5
            if pause:
                time.sleep(pause)  # a real sleep frees the core; MPI's own waits spin
                pause = min(pause * 2, _MAX_PAUSE)
            # otherwise no sleep: MPI yields the core inside test() when nothing moved (--oversubscribe)


class Work:
    """A collective in flight. ``wait()`` blocks until it is done (and the output tensors hold
    the result); ``is_completed()`` asks without blocking.

    Example::

        >>> work = dist.all_reduce(t, async_op=True)
        >>> ...                       # compute while the bytes travel
        >>> work.wait()
    """

    def __init__(self, pending=(), finish=None, outputs=(), what: str = "collective",
                 timeout: float | None = None) -> None:
        self._pending = list(pending)
        self._finish = finish
        self._outputs = list(outputs)
        self._what = what
        self._timeout = timeout
        self._done = False
        self._error: BaseException | None = None
        if not self._pending:
            self._complete()

    def _complete(self) -> None:
        if self._done:
            return
        self._done = True
        finish, self._finish = self._finish, None
        if finish is not None:
            try:
                finish()
            except BaseException as exc:
                self._error = exc
                raise

    def wait(self, timeout=None) -> bool:
        """Block until the collective is done; ``timeout`` (seconds or a ``timedelta``)
        defaults to the process group's. Raises ``DistBackendError`` when it runs out."""
        if self._error is not None:
            raise self._error
        if not self._done:
            if timeout is None:
                timeout = self._timeout
            elif hasattr(timeout, "total_seconds"):
                timeout = timeout.total_seconds()
            try:
                wait_all(self._pending, timeout, self._what)
            except BaseException as exc:
                self._error = exc
                raise
            self._complete()
        return True

    def is_completed(self) -> bool:
        """Whether the collective is done (without blocking)."""
        if not self._done and self._error is None and all(p.test() for p in self._pending):
            self._complete()
        return self._done

    def is_success(self) -> bool:
        """Whether the collective completed without an error."""
        return self.is_completed() and self._error is None

    def exception(self) -> BaseException | None:
        """The error the collective ended with, or None."""
        return self._error

    def result(self) -> list:
        """The output tensors (after ``wait()``)."""
        self.wait()
        return list(self._outputs)

    def __repr__(self) -> str:
        return f"<Work {self._what} {'completed' if self._done else 'pending'}>"
