"""Fetchers: turn one index (or list of indices) from the sampler into one batch."""

from __future__ import annotations

from ember.utils.data.collation import default_collate


class SampleError(Exception):
    """Wraps an exception raised while loading one sample, remembering which."""

    def __init__(self, exc: BaseException, where: str, index) -> None:
        super().__init__(where)
        self.exc, self.where, self.index = exc, where, index


def _describe(indices) -> str:
    shown = list(indices[:8]) if hasattr(indices, "__getitem__") else indices
    more = ", ..." if hasattr(indices, "__len__") and len(indices) > 8 else ""
    return f"[{', '.join(map(str, shown))}{more}]"


class MapFetcher:
    """Loads batches from a map-style dataset by index.

    With automatic batching, a dataset's ``__getitems__`` (if any) loads the batch in one
    call. A dataset with ``_collated_getitems`` (``TensorDataset``, its ``Subset``) gathers
    the already-collated batch itself when ``collate_fn`` is ``default_collate``.
    """

    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool, batch_size=None) -> None:
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        getitems = getattr(dataset, "__getitems__", None)
        self.getitems = getitems if callable(getitems) else None
        gather = getattr(dataset, "_collated_getitems", None)
        self.gather = gather if auto_collation and collate_fn is default_collate else None

    def fetch(self, index, *, locate_errors: bool = False):
        """The batch for ``index``; with ``locate_errors``, failures become ``SampleError``."""
        if not self.auto_collation:
            if not locate_errors:
                return self.collate_fn(self.dataset[index])
            try:
                data = self.dataset[index]
            except Exception as exc:
                raise SampleError(exc, f"while loading sample index {index}", index) from exc
            return self._collate(data, index, locate_errors)
        if self.gather is not None:
            try:
                batch = self.gather(index)
            except Exception as exc:
                if not locate_errors:
                    raise
                raise SampleError(exc, f"while loading the batch of indices {_describe(index)}", None) from exc
            if batch is not None:
                return batch
        if self.getitems is not None:
            try:
                data = self.getitems(index)
            except Exception as exc:
                if not locate_errors:
                    raise
                raise SampleError(exc, f"while loading the batch of indices {_describe(index)} "
                                       f"(__getitems__)", None) from exc
        elif not locate_errors:
            data = [self.dataset[i] for i in index]
        else:
            data = []
            for i in index:
                try:
                    data.append(self.dataset[i])
                except Exception as exc:
                    raise SampleError(exc, f"while loading sample index {i}", i) from exc
        return self._collate(data, index, locate_errors)

    def _collate(self, data, index, locate_errors: bool):
        if not locate_errors:
            return self.collate_fn(data)
        try:
            return self.collate_fn(data)
        except Exception as exc:
            raise SampleError(exc, f"while collating the batch of indices {_describe(index)}", None) from exc


class IterableFetcher:
    """Loads batches from an iterable dataset by drawing the next samples from its iterator."""

    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool, batch_size=None) -> None:
        self.dataset_iter = iter(dataset)
        self.batch_size = batch_size if auto_collation else None
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False
        self.position = 0       # samples drawn so far: the "index" in error messages

    def _next_sample(self, locate_errors: bool):
        try:
            sample = next(self.dataset_iter)
        except StopIteration:
            raise
        except Exception as exc:
            if not locate_errors:
                raise
            raise SampleError(exc, f"while loading sample {self.position} of its iterator", self.position) from exc
        self.position += 1
        return sample

    def fetch(self, index=None, *, locate_errors: bool = False):
        """The next batch (``batch_size`` samples, or one sample if None); StopIteration at the end."""
        batch_size = self.batch_size
        if self.ended:
            raise StopIteration
        if batch_size is None:
            try:
                data = self._next_sample(locate_errors)
            except StopIteration:
                self.ended = True
                raise
        else:
            data = []
            for _ in range(batch_size):
                try:
                    data.append(self._next_sample(locate_errors))
                except StopIteration:
                    self.ended = True
                    break
            if not data or (self.drop_last and len(data) < batch_size):
                raise StopIteration
        if not locate_errors:
            return self.collate_fn(data)
        try:
            return self.collate_fn(data)
        except Exception as exc:
            raise SampleError(exc, f"while collating samples {self.position - len(data)}.."
                                   f"{self.position - 1} of its iterator", None) from exc

    def skip(self, n_batches: int) -> None:
        """Draw and discard the samples of ``n_batches`` batches (resuming mid-epoch)."""
        for _ in range(n_batches * (self.batch_size or 1)):
            try:
                next(self.dataset_iter)
            except StopIteration:
                self.ended = True
                return
            self.position += 1
