"""Comparing what ember and PyTorch did with the same call: a value or an exception."""

import re

import numpy as np
import torch

import ember


def outcome(fn):
    """``(result, None)`` or ``(None, exception)``."""
    try:
        return fn(), None
    except Exception as err:  # noqa: BLE001 - the exception is what is compared
        return None, err


def assert_same(ours, theirs, tol: dict):
    """Same kind, dtype, shape and values (within ``tol[dtype]`` for floats; NaN equals NaN)."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, ember.Tensor), f"expected a tensor, got {ours!r}"
        dtype = str(theirs.dtype).replace("torch.", "")
        assert ours.dtype.name == dtype, f"dtype {ours.dtype.name} != {dtype}"
        assert tuple(ours.shape) == tuple(theirs.shape), f"shape {tuple(ours.shape)} != {tuple(theirs.shape)}"
        expected = theirs.detach().numpy()
        if dtype in tol:
            np.testing.assert_allclose(ours.numpy().astype(np.float64), expected.astype(np.float64),
                                       equal_nan=True, **tol[dtype])
        else:
            np.testing.assert_array_equal(ours.numpy(), expected)
    elif isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        assert type(ours).__name__ == type(theirs).__name__
        for o, t in zip(ours, theirs):
            assert_same(o, t, tol)
    else:
        assert ours == theirs or (ours != ours and theirs != theirs)


# ember's messages never name PyTorch's C++ internals (tests/integration/test_error_wording.py); where
# PyTorch's do, ember says the same in its words, and these tables translate one into the other.
_SCALAR_TYPES = {"c10::Half": "Half", "float": "Float", "double": "Double", "signed char": "Char",
                 "short int": "Short", "int": "Int", "long int": "Long", "unsigned char": "Byte", "bool": "Bool"}
_DTYPE_NAMES = {"c10::Half": "float16", "float": "float32", "double": "float64", "int8_t": "int8",
                "int16_t": "int16", "int": "int32", "int64_t": "int64", "uint8_t": "uint8", "bool": "bool"}


def _alternatives(names) -> str:
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


_OVERFLOW = re.compile(rf"to type ({_alternatives(_DTYPE_NAMES)}) without overflow")
_CPP_TYPE = re.compile(rf"(?<![\w:])({_alternatives(_SCALAR_TYPES)})(?![\w:])")
_NOT_IMPLEMENTED = re.compile(r'"[\w:]+" not implemented for \'(\w+)\'')


def embers_words(message: str) -> re.Pattern:
    """A pattern for how ember words PyTorch's ``message`` (its first line, ``torch.`` as ``ember.``):
    ``"addcmul_cpu_out" not implemented for 'Bool'`` names the op as ember does (its public name, and
    the device), C++ type names are ember's (``long int`` is ``Long``; ``int64_t`` overflows are
    ``int64``); the rest is PyTorch's, word for word."""
    text = message.split("\n")[0].replace("torch.", "ember.")
    text = _OVERFLOW.sub(lambda m: f"to type {_DTYPE_NAMES[m.group(1)]} without overflow", text)
    text = _CPP_TYPE.sub(lambda m: _SCALAR_TYPES[m.group(1)], text)
    parts = _NOT_IMPLEMENTED.split(text)   # text, type, text, type, ...
    pattern = "".join(re.escape(part) if i % 2 == 0 else rf'"\w+" not implemented for \'{part}\'( on \w+)?'
                      for i, part in enumerate(parts))
    return re.compile(pattern)


def assert_same_message(ours: BaseException, theirs: BaseException) -> None:
    """ember's message is PyTorch's, in ember's words where PyTorch names its C++ internals."""
    expected = str(theirs).split("\n")[0].replace("torch.", "ember.")
    if str(ours) != expected:
        assert embers_words(str(theirs)).fullmatch(str(ours)), f"{str(ours)!r} vs PyTorch's {expected!r}"

