"""``ember.cuda.Stream``, ``Event`` and the ``stream`` context, as in ``torch.cuda``.

A stream is a queue of work on one device; kernels and copies that ember-cuda launches go to
the current stream of their device (the default stream unless ``with ember.cuda.stream(s):``
says otherwise). Events mark a point in a stream, to wait for it or to time the work between
two of them. They are thin handles on the CUDA backend's runtime (``backend.runtime``, the
interface ember-cuda implements with pycuda or its CPU simulator); without CUDA, creating one
raises the error that says what is missing.
"""

from __future__ import annotations

import contextlib

from ember import _core


class Stream:
    """A queue of work on a CUDA device (``torch.cuda.Stream``).

    Args:
        device: the device (index, ``"cuda:1"`` or ``ember.device``); the current one by default.
        priority: accepted for PyTorch compatibility; ember-cuda's streams have one priority.

    Example::

        >>> s = ember.cuda.Stream()
        >>> with ember.cuda.stream(s):
        ...     y = x * 2          # queued on s
        >>> s.synchronize()
    """

    def __init__(self, device=None, priority: int = 0, *, _native=None, _index: int | None = None,
                 _default: bool = False) -> None:
        from ember.cuda._devices import _index as index_of
        from ember.cuda._devices import _require

        self._backend = _require()
        self.device_index = index_of(device) if _index is None else _index
        self.priority = priority
        if _default or _native is not None:
            self._native = _native
        else:
            self._native = self._backend.runtime.create_stream(self.device_index)

    @property
    def device(self):
        return _core.device("cuda", self.device_index)

    def query(self) -> bool:
        """True when all work queued on this stream has finished."""
        return self._backend.runtime.stream_query(self._native)

    def synchronize(self) -> None:
        """Wait until all work queued on this stream has finished."""
        if self._native is None:
            self._backend.synchronize(self.device_index)
        else:
            self._backend.runtime.stream_synchronize(self._native)

    def wait_event(self, event: Event) -> None:
        """Make work queued on this stream from now on wait for ``event``."""
        if event._native is not None:
            self._backend.runtime.stream_wait_event(self._native, event._native)

    def wait_stream(self, stream: Stream) -> None:
        """Make work queued on this stream from now on wait for the work queued on ``stream`` so far."""
        self.wait_event(stream.record_event())

    def record_event(self, event: Event | None = None) -> Event:
        """Record ``event`` (a new one if None) on this stream and return it."""
        event = Event() if event is None else event
        event.record(self)
        return event

    def __eq__(self, other) -> bool:
        return (isinstance(other, Stream) and self.device_index == other.device_index
                and self._native is other._native)

    def __hash__(self) -> int:
        return hash((self.device_index, id(self._native)))

    def __enter__(self) -> Stream:
        self._previous = current_stream(self.device_index)
        self._backend.set_current_stream(self.device_index, self._native)
        return self

    def __exit__(self, *exc) -> None:
        self._backend.set_current_stream(self.device_index, self._previous._native)

    def __repr__(self) -> str:
        kind = "default stream" if self._native is None else f"stream {id(self._native):#x}"
        return f"<ember.cuda.Stream device=cuda:{self.device_index} {kind}>"


class Event:
    """A marker in a CUDA stream, to wait for or to time work (``torch.cuda.Event``).

    Args:
        enable_timing: whether ``elapsed_time`` may measure from this event.
        blocking: accepted for PyTorch compatibility (``synchronize`` always waits).
        interprocess: not supported (events cannot be shared between processes).

    Example::

        >>> start, end = ember.cuda.Event(enable_timing=True), ember.cuda.Event(enable_timing=True)
        >>> start.record(); y = x @ x; end.record(); end.synchronize()
        >>> start.elapsed_time(end)   # milliseconds
    """

    def __init__(self, enable_timing: bool = False, blocking: bool = False, interprocess: bool = False) -> None:
        if interprocess:
            raise RuntimeError("ember.cuda.Event(interprocess=True) is not supported: ember-cuda's events "
                               "live in one process")
        self.enable_timing = bool(enable_timing)
        self.blocking = bool(blocking)
        self._native = None
        self._backend = None

    def record(self, stream: Stream | None = None) -> None:
        """Mark the current point of ``stream`` (the current stream by default)."""
        stream = current_stream() if stream is None else stream
        if self._native is None:
            self._backend = stream._backend
            self._native = stream._backend.runtime.create_event(stream.device_index, self.enable_timing)
        self._backend.runtime.event_record(self._native, stream._native)

    def wait(self, stream: Stream | None = None) -> None:
        """Make work queued on ``stream`` (the current one by default) from now on wait for this event."""
        (current_stream() if stream is None else stream).wait_event(self)

    def query(self) -> bool:
        """True when the work before the recorded point has finished (True if never recorded)."""
        return True if self._native is None else self._backend.runtime.event_query(self._native)

    def synchronize(self) -> None:
        """Wait until the work before the recorded point has finished."""
        if self._native is not None:
            self._backend.runtime.event_synchronize(self._native)

    def elapsed_time(self, end_event: Event) -> float:
        """Milliseconds between this event and ``end_event`` (both recorded, both with timing)."""
        if not (self.enable_timing and end_event.enable_timing):
            raise RuntimeError("Both events must be created with argument 'enable_timing=True'.")
        if self._native is None or end_event._native is None:
            raise RuntimeError("Both events must be recorded before calculating elapsed time.")
        end_event.synchronize()
        return self._backend.runtime.event_elapsed_ms(self._native, end_event._native)

    def __repr__(self) -> str:
        state = "unrecorded" if self._native is None else "recorded"
        return f"<ember.cuda.Event {state}, enable_timing={self.enable_timing}>"


def current_stream(device=None) -> Stream:
    """The stream that work on a device goes to now (the default stream unless changed)."""
    from ember.cuda._devices import _index, _require

    backend = _require()
    index = _index(device)
    native = backend.current_stream(index)
    return Stream(_index=index, _native=native, _default=native is None)


def default_stream(device=None) -> Stream:
    """The default stream of a device."""
    from ember.cuda._devices import _index

    return Stream(_index=_index(device), _default=True)


@contextlib.contextmanager
def stream(stream: Stream | None):
    """Context manager: work inside the block goes to ``stream`` (None: nothing changes)."""
    if stream is None:
        yield
        return
    with stream:
        yield
