"""The checkpoint fuzzer's pieces: seed files, the ways they are mutated, and the child process that loads them.

A case is a file (bytes) and how to load it: ``zip`` (``ember.load``, weights only), ``full``
(``ember.load(weights_only=False)``, only for structured cases that name no code), ``legacy``
(ember.vision's pre-1.6 loader) or ``safetensors`` (``ember.load_file``). Cases run in a child
process that reports each outcome, so a crash (a segfault from memory outside a storage) is seen
by the parent as the death of the child, with the case that killed it.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import pickletools
import select
import struct
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

import ember

CASE_TIMEOUT = float(os.environ.get("EMBER_FUZZ_CASE_TIMEOUT", "60"))  # seconds: a hang fails its case

# -- seeds --------------------------------------------------------------------------------------------


def seed_objects() -> list:
    """Checkpoint contents like real ones: a state dict with views, optimizer state, plain values."""
    base = ember.arange(12.0).reshape(3, 4)
    sd = {"w": base, "t": base.T, "row": base[1], "h": ember.tensor([0.5, 1.5], dtype=ember.float16),
          "ids": ember.tensor([1, 2, 3]), "mask": ember.tensor([True, False]), "empty": ember.zeros(0, 3)}
    return [
        sd,
        {"state": {0: {"step": 3, "exp_avg": ember.ones(2)}}, "groups": [{"lr": 0.1, "params": [0]}],
         "dtype": ember.float64, "device": ember.device("cpu"), "shape": ember.Size([2, 3]), "name": "net",
         "set": {1, 2}, "bytes": b"\x00\x01", "pair": (1.5, None, True)},
        [ember.tensor(7, dtype=ember.int8), ember.ones(2, 2, dtype=ember.int32)[:, 1]],
    ]


def zip_seeds() -> list[bytes]:
    """Valid zip checkpoints: ember's own, and PyTorch's when torch is installed (protocols 2 and 4)."""
    out = []
    for obj in seed_objects():
        buf = io.BytesIO()
        ember.save(obj, buf)
        out.append(buf.getvalue())
    try:
        import torch
    except ImportError:
        return out
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    t = torch.arange(6.0)
    t.note = "attr"
    for protocol in (2, 4):
        buf = io.BytesIO()
        torch.save({"model": model.state_dict(), "view": t[1:4], "t": t, "p": torch.nn.Parameter(torch.ones(2))},
                   buf, pickle_protocol=protocol)
        out.append(buf.getvalue())
    return out


def read_zip(blob: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write_zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


# -- pickle pieces --------------------------------------------------------------------------------------


def glob(module: str, name: str) -> bytes:
    return pickle.GLOBAL + f"{module}\n{name}\n".encode()


def text(s: str) -> bytes:
    raw = s.encode()
    return pickle.BINUNICODE + struct.pack("<I", len(raw)) + raw


def integer(i: int) -> bytes:
    raw = i.to_bytes((i.bit_length() + 8) // 8, "little", signed=True)
    return pickle.LONG1 + bytes([len(raw)]) + raw


def ints(values) -> bytes:
    return pickle.MARK + b"".join(integer(v) for v in values) + pickle.TUPLE


def tensor_pickle(storage_cls: str, key: str, numel: int, offset: int, size, stride, pid_extra=b"") -> bytes:
    pid = (pickle.MARK + text("storage") + glob("torch", storage_cls) + text(key) + text("cpu") + integer(numel)
           + pid_extra + pickle.TUPLE + pickle.BINPERSID)
    return (glob("torch._utils", "_rebuild_tensor_v2") + pickle.MARK + pid + integer(offset) + ints(size)
            + ints(stride) + pickle.NEWFALSE + glob("collections", "OrderedDict") + pickle.EMPTY_TUPLE
            + pickle.REDUCE + pickle.TUPLE + pickle.REDUCE)


def program(body: bytes) -> bytes:
    return pickle.PROTO + b"\x02" + body + pickle.STOP


# Snippets the opcode mutator inserts: each is an operation a hostile file would try.
SNIPPETS = [
    pickle.BUILD, pickle.REDUCE, pickle.NEWOBJ, pickle.APPEND, pickle.APPENDS, pickle.SETITEM, pickle.SETITEMS,
    pickle.ADDITEMS, pickle.TUPLE, pickle.TUPLE1, pickle.TUPLE2, pickle.MARK, pickle.POP, pickle.DUP,
    pickle.EMPTY_TUPLE, pickle.EMPTY_LIST, pickle.EMPTY_DICT, pickle.EMPTY_SET, pickle.FROZENSET, pickle.NONE,
    pickle.BINPERSID, pickle.STOP, pickle.BINGET + b"\x00", pickle.BINPUT + b"\x00", pickle.MEMOIZE,
    glob("torch", "float32"), glob("torch", "Size"), glob("torch", "device"), glob("torch", "Tensor"),
    glob("torch", "FloatStorage"), glob("torch", "BFloat16Storage"), glob("torch._utils", "_rebuild_tensor_v2"),
    glob("torch._utils", "_rebuild_parameter"), glob("torch._tensor", "_rebuild_from_type_v2"),
    glob("collections", "OrderedDict"), glob("builtins", "set"), glob("builtins", "bytearray"),
    glob("_codecs", "encode"), glob("os", "system"), glob("builtins", "eval"), glob("ember._core", "TensorBase"),
    integer(-1), integer(0), integer(1), integer(2 ** 31), integer(2 ** 62), integer(2 ** 64), text("storage"),
    text("0"), text("cpu"), text("name"), text("latin1"), pickle.EMPTY_TUPLE + pickle.TUPLE1 * 1200,
]
INTERESTING_INTS = [-(2 ** 63), -1, 0, 1, 2, 3, 4, 7, 255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 32,
                    2 ** 61, 2 ** 62, 2 ** 63 - 1, 2 ** 63, 2 ** 64]


def opcodes(pkl: bytes) -> list[bytes]:
    """``pkl`` split into its opcodes (each with its argument bytes); [] if it does not parse."""
    try:
        positions = [pos for _, _, pos in pickletools.genops(pkl)]
    except (ValueError, EOFError):
        return []
    return [pkl[a:b] for a, b in zip(positions, positions[1:] + [len(pkl)])]


def reencode_int(op: bytes, value: int) -> bytes:
    """An int opcode with ``value`` instead of its own (kept as an int opcode)."""
    return integer(value) if op[:1] in (pickle.BININT, pickle.BININT1, pickle.BININT2, pickle.LONG1) else op


# -- legacy files ---------------------------------------------------------------------------------------

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_SYS_INFO = {"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}


def legacy_file(body: bytes, keys: list, records: list[tuple[int, bytes]]) -> bytes:
    out = b"".join(pickle.dumps(h, protocol=2) for h in (LEGACY_MAGIC, 1001, LEGACY_SYS_INFO))
    out += program(body) + pickle.dumps(keys, protocol=2)
    for count, data in records:
        out += struct.pack("<q", (count + 2 ** 63) % 2 ** 64 - 2 ** 63) + data  # any int, wrapped to int64
    return out


def legacy_seed() -> bytes:
    values = np.arange(6, dtype=np.float32).tobytes()
    body = (pickle.EMPTY_DICT + pickle.MARK + text("w") + tensor_pickle("FloatStorage", "0", 6, 0, (2, 3), (3, 1),
                                                                        pickle.NONE)
            + text("col") + tensor_pickle("FloatStorage", "0", 6, 1, (2,), (3,), pickle.NONE) + pickle.SETITEMS)
    return legacy_file(body, ["0"], [(6, values)])


# -- safetensors files ----------------------------------------------------------------------------------


def safetensors_file(header: dict, data: bytes) -> bytes:
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + data


# -- the child process ----------------------------------------------------------------------------------

_CHILD = r'''
import io, json, os, pickle, struct, sys
import ember

def legacy_loader():
    try:
        from ember.vision.models._legacy_checkpoint import load_legacy_checkpoint
    except ImportError:
        return None
    return load_legacy_checkpoint

LEGACY = legacy_loader()
CLEAN = (pickle.UnpicklingError, RuntimeError, ValueError)
TMP = os.environ["EMBER_FUZZ_CASE_DIR"]  # the parent's directory: it outlives a crashed child

def touch(obj):
    """Read and write every tensor reachable in the loaded object (iteratively, bounded)."""
    todo, seen, n = [obj], set(), 0
    while todo and n < 20000:
        x = todo.pop()
        n += 1
        if id(x) in seen:
            continue
        seen.add(id(x))
        if isinstance(x, ember.Tensor):
            c = x.clone()
            c.sum()
            if x.numel() and x.is_contiguous():
                with ember.no_grad():
                    x.fill_(0)
        elif isinstance(x, dict):
            todo.extend(x.values())
        elif isinstance(x, (list, tuple, set, frozenset)):
            todo.extend(x)
        elif hasattr(x, "__dict__") and not isinstance(x, type):
            todo.extend(vars(x).values())

def ember_unchanged():
    return (ember.zeros(2).dtype is ember.float32 and ember.float32.name == "float32"
            and ember.int8.itemsize == 1 and ember.Size([2, 3]).numel() == 6
            and repr(ember.Size([1])) == "ember.Size([1])" and ember.serialization.get_safe_globals() == [])

def run(kind, data):
    if kind == "zip":
        return ember.load(io.BytesIO(data))
    if kind == "full":
        return ember.load(io.BytesIO(data), weights_only=False)
    path = os.path.join(TMP, "case")
    with open(path, "wb") as f:
        f.write(data)
    if kind == "legacy":
        if LEGACY is None:
            return "skip"
        return LEGACY(path)
    return ember.load_file(path)

stdin, stdout = sys.stdin.buffer, sys.stdout
while True:
    head = stdin.read(16)
    if len(head) < 16:
        break
    kind = head[:12].decode().strip()
    data = stdin.read(struct.unpack("<I", head[12:])[0])
    try:
        obj = run(kind, data)
        out = {"outcome": "ok"}
    except CLEAN as err:
        out = {"outcome": "refused", "type": type(err).__name__, "message": str(err)[:300]}
    except BaseException as err:
        out = {"outcome": "unclean", "type": type(err).__name__, "message": str(err)[:300]}
    if out["outcome"] == "ok":
        try:
            touch(obj)
        except BaseException as err:
            out = {"outcome": "unusable", "type": type(err).__name__, "message": str(err)[:300]}
    if not ember_unchanged():
        out = {"outcome": "ember changed"}
    stdout.write(json.dumps(out) + "\n")
    stdout.flush()
'''


class Crash(AssertionError):
    """The child died or hung on a case."""


class LoaderProcess:
    """A child process that loads cases one at a time; restarted after a crash. Cases that must be
    files are written into ``case_dir``, which the caller owns (and removes)."""

    def __init__(self, case_dir) -> None:
        self.case_dir = str(case_dir)
        self.proc = None
        self.stderr = None

    def _start(self) -> None:
        env = dict(os.environ, PYTHONFAULTHANDLER="1", EMBER_FUZZ_CASE_DIR=self.case_dir)
        self.stderr = tempfile.TemporaryFile()  # a file, not a pipe: a chatty child never blocks
        self.proc = subprocess.Popen([sys.executable, "-c", _CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, env=env)

    def run(self, kind: str, data: bytes) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        proc = self.proc
        try:
            proc.stdin.write(kind.ljust(12).encode() + struct.pack("<I", len(data)) + data)
            proc.stdin.flush()
        except BrokenPipeError:
            pass
        ready, _, _ = select.select([proc.stdout], [], [], CASE_TIMEOUT)
        line = proc.stdout.readline() if ready else b""
        if not line:
            hung = not ready
            stderr = self.stderr
            self.close()
            stderr.seek(0)
            err = stderr.read().decode(errors="replace")[-3000:]
            what = f"hung for {CASE_TIMEOUT:.0f} s" if hung else f"crashed (return code {proc.returncode})"
            raise Crash(f"loading a {kind} case {what}: {err}\ncase bytes: {data[:400]!r}")
        return json.loads(line)

    def close(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            self.proc.stdin.close()
            self.proc.stdout.close()
            self.proc = None
