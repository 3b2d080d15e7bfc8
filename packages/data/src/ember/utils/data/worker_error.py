"""An exception raised in a DataLoader worker, carried to the main process and raised there."""

from __future__ import annotations

import importlib
import traceback


class KeyErrorMessage(str):
    """``str(KeyError(msg))`` is ``repr(msg)``; this keeps the traceback text readable."""

    def __repr__(self) -> str:
        return self


class WorkerError:
    """What went wrong in a worker: the exception type, where, and the original traceback text.

    Arguments:
        exc: the exception being handled.
        worker_id: the worker it happened in.
        where: what the worker was doing, e.g. ``"while loading sample index 7"``.
        sample_index: the dataset index being loaded, if known.
    """

    def __init__(self, exc: BaseException, worker_id: int, where: str, sample_index=None) -> None:
        self.exc_type = type(exc)
        self.type_name = type(exc).__name__
        self.worker_id = worker_id
        self.where = where
        self.sample_index = sample_index
        self.traceback = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))

    def __reduce__(self):
        # the type travels by name; one the main process cannot import becomes RuntimeError
        name = (self.exc_type.__module__, self.exc_type.__qualname__)
        return _rebuild, (name, self.worker_id, self.where, self.sample_index, self.traceback)

    def message(self) -> str:
        return (f"Caught {self.type_name} in DataLoader worker process {self.worker_id} {self.where}.\n"
                f"Original {self.traceback}")

    def reraise(self):
        """Raise the worker's exception in this process, with its original type if possible."""
        msg = self.message()
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg)
        except Exception:
            exc = None
        if exc is None or str(exc) != msg:
            # the type needs other constructor arguments: keep the text, lose the type
            exc = RuntimeError(msg)
        try:
            exc.worker_id = self.worker_id
            exc.sample_index = self.sample_index
        except AttributeError:
            pass
        raise exc


def _find_type(module: str, qualname: str) -> type:
    try:
        obj = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except Exception:
        return RuntimeError
    return obj if isinstance(obj, type) and issubclass(obj, BaseException) else RuntimeError


def _rebuild(name, worker_id, where, sample_index, text):
    err = WorkerError.__new__(WorkerError)
    err.exc_type = _find_type(*name)
    err.type_name = name[1].rsplit(".", 1)[-1]
    err.worker_id, err.where, err.sample_index, err.traceback = worker_id, where, sample_index, text
    return err
