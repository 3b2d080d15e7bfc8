"""Checkpoint fuzzer: mutated .pt files, crafted tensor records, legacy and safetensors files.

Every case must load (and its tensors be readable and writable) or be refused with a clean
exception (``pickle.UnpicklingError``, ``ValueError`` or ``RuntimeError``), never crash, hang, or
change ember. Cases run in a child process (``checkpoint_cases.LoaderProcess``). CI runs
``EMBER_FUZZ_EXAMPLES`` (default 40) cases per test from seed ``EMBER_FUZZ_SEED`` (default 0);
see README.md, section "checkpoint", for longer runs.
"""

import os
import pickle

import pytest
from checkpoint_cases import (
    INTERESTING_INTS,
    SNIPPETS,
    LoaderProcess,
    integer,
    legacy_file,
    legacy_seed,
    opcodes,
    program,
    read_zip,
    reencode_int,
    safetensors_file,
    tensor_pickle,
    text,
    write_zip,
    zip_seeds,
)

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import seed as fuzz_seed  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

EXAMPLES = int(os.environ.get("EMBER_FUZZ_EXAMPLES", "40"))
SEED = int(os.environ.get("EMBER_FUZZ_SEED", "0"))
budget = settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                         HealthCheck.function_scoped_fixture])
SEEDS = zip_seeds()
STORAGE_CLASSES = ["FloatStorage", "HalfStorage", "DoubleStorage", "ByteStorage", "BoolStorage", "LongStorage",
                   "CharStorage", "BFloat16Storage", "UntypedStorage", "Nonsense"]


@pytest.fixture(scope="module")
def loader(tmp_path_factory):
    proc = LoaderProcess(tmp_path_factory.mktemp("checkpoint-cases"))
    yield proc
    proc.close()


def check(loader, kind: str, data: bytes) -> None:
    outcome = loader.run(kind, data)
    assert outcome["outcome"] in ("ok", "refused"), f"{outcome} for {kind} case {data[:300]!r}"


small_ints = st.sampled_from(INTERESTING_INTS) | st.integers(-3, 70)


def test_seeds_load(loader):
    for blob in SEEDS:
        assert loader.run("zip", blob) == {"outcome": "ok"}
    assert loader.run("legacy", legacy_seed())["outcome"] in ("ok", "skipped")


def mutate_pickle(data, pkl: bytes) -> bytes:
    ops = opcodes(pkl)
    if not ops:
        return pkl
    for _ in range(data.draw(st.integers(1, 4))):
        if not ops:
            break
        i = data.draw(st.integers(0, len(ops) - 1))
        how = data.draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "int", "byte", "truncate"]))
        if how == "delete" and len(ops) > 1:
            del ops[i]
        elif how == "duplicate":
            ops.insert(i, ops[i])
        elif how == "swap":
            j = data.draw(st.integers(0, len(ops) - 1))
            ops[i], ops[j] = ops[j], ops[i]
        elif how == "insert":
            ops.insert(i, data.draw(st.sampled_from(SNIPPETS)))
        elif how == "int":
            ops[i] = reencode_int(ops[i], data.draw(small_ints))
        elif how == "byte" and ops[i]:
            k = data.draw(st.integers(0, len(ops[i]) - 1))
            ops[i] = ops[i][:k] + bytes([data.draw(st.integers(0, 255))]) + ops[i][k + 1:]
        elif how == "truncate":
            ops = ops[:i]
    return b"".join(ops)


@fuzz_seed(SEED)
@budget
@given(st.data())
def test_mutated_pickles(loader, data):
    entries = read_zip(data.draw(st.sampled_from(SEEDS)))
    name = next(n for n in entries if n.endswith("/data.pkl"))
    entries[name] = mutate_pickle(data, entries[name])
    check(loader, "zip", write_zip(entries))


@fuzz_seed(SEED + 5)
@budget
@given(parts=st.lists(st.sampled_from(SNIPPETS) | st.builds(integer, small_ints), min_size=1, max_size=40),
       storage=st.binary(max_size=64))
def test_crafted_pickles(loader, parts, storage):
    """Programs assembled from dangerous snippets alone, over a storage record of any length."""
    check(loader, "zip", write_zip({"archive/data.pkl": program(b"".join(parts)), "archive/data/0": storage}))


@fuzz_seed(SEED + 1)
@budget
@given(st.data())
def test_mutated_archives(loader, data):
    blob = data.draw(st.sampled_from(SEEDS))
    entries = read_zip(blob)
    names = sorted(entries)
    how = data.draw(st.sampled_from(["drop", "resize", "rename", "byteorder", "flip", "cut", "empty"]))
    if how == "drop":
        del entries[data.draw(st.sampled_from(names))]
    elif how == "resize":
        records = [n for n in names if "/data/" in n] or names
        name = data.draw(st.sampled_from(records))
        entries[name] = entries[name][:data.draw(st.integers(0, len(entries[name])))] + data.draw(
            st.binary(max_size=16))
    elif how == "rename":
        name = data.draw(st.sampled_from(names))
        entries[data.draw(st.sampled_from(["x/data.pkl", name + "x", "archive/data/99", "a/b/data.pkl"]))] = (
            entries.pop(name))
    elif how == "byteorder":
        entries[next(n for n in names if n.endswith("data.pkl"))[:-8] + "byteorder"] = data.draw(
            st.sampled_from([b"big", b"", b"little\n", b"\xff"]))
    if how in ("flip", "cut", "empty"):
        out = bytearray(write_zip(entries))
        if how == "flip":
            for _ in range(data.draw(st.integers(1, 8))):
                out[data.draw(st.integers(0, len(out) - 1))] = data.draw(st.integers(0, 255))
        elif how == "cut":
            del out[data.draw(st.integers(0, len(out) - 1)):]
        else:
            out = bytearray()
        check(loader, "zip", bytes(out))
    else:
        check(loader, "zip", write_zip(entries))


@fuzz_seed(SEED + 2)
@budget
@given(cls=st.sampled_from(STORAGE_CLASSES), numel=st.integers(0, 70) | st.sampled_from(INTERESTING_INTS),
       record=st.integers(0, 300), offset=small_ints, size=st.lists(small_ints, max_size=5),
       stride=st.lists(small_ints, max_size=5), full=st.booleans(), twice=st.booleans())
def test_crafted_tensor_records(loader, cls, numel, record, offset, size, stride, full, twice):
    body = tensor_pickle(cls, "0", numel, offset, size, stride)
    if twice:  # a second tensor on the same storage, another view
        body = pickle.MARK + body + tensor_pickle(cls, "0", numel, 0, stride, size) + pickle.LIST
    entries = {"archive/data.pkl": program(body), "archive/data/0": bytes(range(256)) * (record // 256)
               + bytes(record % 256), "archive/version": b"3\n"}
    # weights_only=False is fuzzed on these cases only: they name no code to run
    check(loader, "full" if full else "zip", write_zip(entries))


@fuzz_seed(SEED + 3)
@budget
@given(st.data())
def test_mutated_legacy_files(loader, data):
    how = data.draw(st.sampled_from(["flip", "cut", "pickle", "records"]))
    if how == "records":
        body = (pickle.EMPTY_DICT + text("w")
                + tensor_pickle("FloatStorage", data.draw(st.sampled_from(["0", "1"])), data.draw(small_ints),
                                data.draw(small_ints), data.draw(st.lists(small_ints, max_size=3)),
                                data.draw(st.lists(small_ints, max_size=3)), pickle.NONE) + pickle.SETITEM)
        keys = data.draw(st.lists(st.sampled_from(["0", "1", "2"]), max_size=3))
        records = [(data.draw(small_ints), data.draw(st.binary(max_size=64))) for _ in keys]
        blob = legacy_file(body, keys, records)
    else:
        blob = bytearray(legacy_seed())
        if how == "flip":
            for _ in range(data.draw(st.integers(1, 8))):
                blob[data.draw(st.integers(0, len(blob) - 1))] = data.draw(st.integers(0, 255))
        elif how == "cut":
            del blob[data.draw(st.integers(1, len(blob) - 1)):]
        else:
            header_end = blob.index(b".", blob.index(b"little_endian")) + 1  # the object pickle starts here
            rest = bytes(blob[header_end:])
            end = rest.index(b"\x80\x02]")  # the key list's pickle
            blob = blob[:header_end] + mutate_pickle(data, rest[:end]) + rest[end:]
        blob = bytes(blob)
    check(loader, "legacy", blob)


@fuzz_seed(SEED + 4)
@budget
@given(code=st.sampled_from(["F32", "F16", "I64", "BOOL", "U8", "BF16", "U32", "C64", "X"]),
       shape=st.lists(small_ints, max_size=4) | st.sampled_from([None, "x", [1.5]]),
       begin=small_ints, end=small_ints, data_size=st.integers(0, 80), extra=st.sampled_from([{}, {"x": 1}]))
def test_crafted_safetensors_headers(loader, code, shape, begin, end, data_size, extra):
    header = {"t": {"dtype": code, "shape": shape, "data_offsets": [begin, end]}, "__metadata__": {"k": "v"}, **extra}
    check(loader, "safetensors", safetensors_file(header, bytes(data_size)))


def test_integer_snippet_is_an_int_opcode():
    assert integer(5)[:1] == pickle.LONG1 and reencode_int(pickle.BININT1 + b"\x05", 9) == integer(9)
