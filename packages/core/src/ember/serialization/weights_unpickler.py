"""The weights-only unpickler: a pickle interpreter that runs no code from the file.

Python's unpickler calls whatever the file names. This one interprets the opcodes itself (as
PyTorch's weights-only unpickler does), so every operation that could reach code is decided
here:

- ``GLOBAL`` resolves only names the loader allows (tensors, containers, plain values and
  what the user allowed with ``add_safe_globals``); anything else is refused by name.
- ``REDUCE``/``NEWOBJ`` call only objects that came from such a ``GLOBAL``, never a tensor class.
- ``BUILD`` (setting an object's state) applies only to an ``OrderedDict``/``Counter`` or an
  instance of a class the user allowed, never to ember's tensors, dtypes, devices or sizes, nor to
  an object a ``GLOBAL`` returned (so a file cannot change ember or the user's objects).
- ``APPEND``/``SETITEM``/``ADDITEMS`` apply only to lists, dicts and sets (or allowed classes).
- Tuples may nest at most ``MAX_NESTING`` deep (hashing a deeper one overflows the C stack).

The interpreter is a loop over a stack, never recursive, and reads only within its buffer.
"""

from __future__ import annotations

import _compat_pickle
import codecs
import pickle
import struct
from collections import Counter, OrderedDict

from ember.serialization.errors import CheckpointError
from ember.serialization.placement import MapLocationFailed, PlacementError
from ember.serialization.rebuild import is_ember_internal

MAX_NESTING = 1000

_SETITEM_TYPES = (dict, OrderedDict, Counter)


class Truncated(Exception):
    """The pickle ended before its STOP opcode."""


class WeightsUnpickler:
    """Interprets one pickle from ``data[start:]``.

    Args:
        data: the bytes (or an mmap) holding the pickle.
        resolve_global: ``(module, name) -> object``; raises CheckpointError for a refused global.
        persistent_load: ``pid -> object`` for ``BINPERSID`` (storages).
        allowed_classes: classes whose instances ``BUILD`` may set the state of, besides
            ``OrderedDict`` and ``Counter``.
        encoding: how Python 2 ``str`` (``STRING``/``BINSTRING``) values are decoded; ``"bytes"`` keeps bytes.
    """

    def __init__(self, data, *, resolve_global, persistent_load, allowed_classes=(), encoding: str = "ASCII",
                 start: int = 0) -> None:
        self.data = data
        self.pos = start
        self.resolve_global = resolve_global
        self.persistent_load = persistent_load
        self.allowed_classes = frozenset(c for c in allowed_classes if isinstance(c, type))
        self.encoding = encoding

    # -- reading -----------------------------------------------------------------------------

    def _read(self, n: int) -> bytes:
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise Truncated(f"the pickle ends inside an opcode's argument (needed {n} bytes at {self.pos})")
        out = self.data[self.pos:end]
        self.pos = end
        return out

    def _readline(self) -> bytes:
        end = self.data.find(b"\n", self.pos)
        if end < 0:
            raise Truncated("the pickle ends inside a line argument")
        line = self.data[self.pos:end]
        self.pos = end + 1
        return line

    # -- the interpreter ---------------------------------------------------------------------

    def load(self):
        """The unpickled object. Raises CheckpointError (a ``pickle.UnpicklingError``) for a refused file."""
        self.stack: list = []
        self.marks: list[int] = []
        self.memo: dict = {}
        self.from_global: dict[int, object] = {}  # id -> object, kept alive so ids stay unique
        self.nesting: dict[int, tuple[int, object]] = {}  # id of a deep tuple/frozenset -> (depth, it)
        dispatch = _DISPATCH
        while True:
            if self.pos >= len(self.data):
                raise Truncated("the pickle ends before its STOP opcode")
            code = self.data[self.pos]
            self.pos += 1
            handler = dispatch.get(code)
            if handler is None:
                raise CheckpointError(f"opcode {bytes([code])!r} at byte {self.pos - 1} is not supported in "
                                      f"weights-only loading")
            if handler is _stop:
                return self._pop()  # what lies below is dropped, as Python's unpickler does
            try:
                handler(self)
            except (CheckpointError, PlacementError, MapLocationFailed, Truncated, MemoryError):
                raise
            except (ValueError, TypeError, KeyError, IndexError, OverflowError, struct.error, RuntimeError,
                    RecursionError) as err:
                raise CheckpointError(f"malformed pickle at byte {self.pos}: {type(err).__name__}: {err}") from None

    # stack helpers
    def _pop(self):
        if not self.stack or (self.marks and len(self.stack) <= self.marks[-1]):
            raise CheckpointError("an opcode pops from an empty stack")
        return self.stack.pop()

    def _top(self):
        if not self.stack or (self.marks and len(self.stack) <= self.marks[-1]):
            raise CheckpointError("an opcode reads from an empty stack")
        return self.stack[-1]

    def _pop_mark(self) -> list:
        if not self.marks:
            raise CheckpointError("an opcode needs a MARK that is not there")
        start = self.marks.pop()
        items = self.stack[start:]
        del self.stack[start:]
        return items

    def _tuple(self, items) -> tuple:
        out = tuple(items)
        self._check_nesting(out, items)
        return out

    def _check_nesting(self, obj, items) -> None:
        depth = 1
        for x in items:
            if isinstance(x, (tuple, frozenset)):
                entry = self.nesting.get(id(x))
                depth = max(depth, (entry[0] if entry is not None and entry[1] is x else 1) + 1)
        if depth > MAX_NESTING:
            raise CheckpointError(f"tuples nest more than {MAX_NESTING} deep")
        if depth > 1:
            self.nesting[id(obj)] = (depth, obj)

    def _call(self, what: str, func, *args, **kwargs):
        """Call an allowed function or class; its errors become the file's fault."""
        try:
            return func(*args, **kwargs)
        except (CheckpointError, PlacementError, MapLocationFailed):
            raise
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, UnicodeError,
                ArithmeticError, AssertionError, RecursionError, RuntimeError) as err:
            raise CheckpointError(f"{what} failed: {type(err).__name__}: {err}") from None

    def _callable(self, obj, opcode: str):
        if id(obj) not in self.from_global or self.from_global[id(obj)] is not obj:
            raise CheckpointError(f"{opcode} applies to a {type(obj).__name__}, which is not an allowed global")
        from ember import _core
        if isinstance(obj, type) and issubclass(obj, _core.TensorBase):
            raise CheckpointError(f"{opcode} would create a {obj.__name__} directly; tensors are only rebuilt "
                                  f"from their storage records")
        return obj

    def _may_change(self, obj, opcode: str) -> None:
        """Refuse changing ``obj`` unless it is a container or an allowed class's instance from this file."""
        if is_ember_internal(obj) or id(obj) in self.from_global or isinstance(obj, type):
            raise CheckpointError(f"{opcode} would change {_describe(obj)}; a file may not change ember's or "
                                  f"your program's objects")


def _describe(obj) -> str:
    return f"the {type(obj).__name__} {obj!r}" if isinstance(obj, type) else f"a {type(obj).__name__}"


# -- opcode handlers --------------------------------------------------------------------------

def _stop(u):  # handled in load()
    raise AssertionError


def _proto(u):
    proto = u._read(1)[0]
    if proto > pickle.HIGHEST_PROTOCOL:
        raise CheckpointError(f"pickle protocol {proto} is newer than this Python reads")


def _frame(u):
    u._read(8)  # a length hint; the opcodes that follow are read as usual


def _mark(u):
    u.marks.append(len(u.stack))


def _pop_op(u):
    if u.marks and len(u.stack) == u.marks[-1]:
        u.marks.pop()  # POP of a MARK, as Python's unpickler does
    else:
        u._pop()


def _pop_mark_op(u):
    u._pop_mark()


def _dup(u):
    u.stack.append(u._top())


def _push(value):
    def handler(u):
        u.stack.append(value)
    return handler


def _int(u):
    line = u._readline()
    if line == b"00":
        u.stack.append(False)
    elif line == b"01":
        u.stack.append(True)
    else:
        u.stack.append(int(line, 0) if line.startswith((b"0x", b"0X")) else int(line))


def _binint(u):
    u.stack.append(struct.unpack("<i", u._read(4))[0])


def _binint1(u):
    u.stack.append(u._read(1)[0])


def _binint2(u):
    u.stack.append(struct.unpack("<H", u._read(2))[0])


def _long(u):
    line = u._readline()
    u.stack.append(int(line[:-1] if line.endswith(b"L") else line))


def _long1(u):
    u.stack.append(int.from_bytes(u._read(u._read(1)[0]), "little", signed=True))


def _long4(u):
    n = struct.unpack("<i", u._read(4))[0]
    if n < 0:
        raise CheckpointError("LONG4 with a negative byte count")
    u.stack.append(int.from_bytes(u._read(n), "little", signed=True))


def _float(u):
    u.stack.append(float(u._readline()))


def _binfloat(u):
    u.stack.append(struct.unpack(">d", u._read(8))[0])


def _py2_string(u, raw: bytes):
    u.stack.append(raw if u.encoding == "bytes" else raw.decode(u.encoding, "strict"))


def _string(u):
    line = u._readline()
    if len(line) < 2 or line[0] != line[-1] or line[:1] not in (b"'", b'"'):
        raise CheckpointError("STRING opcode argument is not quoted")
    _py2_string(u, codecs.escape_decode(line[1:-1])[0])


def _binstring(u):
    n = struct.unpack("<i", u._read(4))[0]
    if n < 0:
        raise CheckpointError("BINSTRING with a negative length")
    _py2_string(u, u._read(n))


def _short_binstring(u):
    _py2_string(u, u._read(u._read(1)[0]))


def _sized(fmt: str, kind):
    size = struct.calcsize(fmt)

    def handler(u):
        n = struct.unpack(fmt, u._read(size))[0] if size > 1 else u._read(1)[0]
        raw = u._read(n)
        u.stack.append(raw.decode("utf-8", "surrogatepass") if kind is str else kind(raw))
    return handler


def _unicode(u):
    u.stack.append(u._readline().decode("raw-unicode-escape"))


def _empty(factory):
    def handler(u):
        u.stack.append(factory())
    return handler


def _tuple_op(u):
    u.stack.append(u._tuple(u._pop_mark()))


def _tuple_n(n: int):
    def handler(u):
        if len(u.stack) < n or (u.marks and len(u.stack) - n < u.marks[-1]):
            raise CheckpointError(f"TUPLE{n} needs {n} items on the stack")
        items = u.stack[len(u.stack) - n:]
        del u.stack[len(u.stack) - n:]
        u.stack.append(u._tuple(items))
    return handler


def _list(u):
    u.stack.append(u._pop_mark())


def _dict(u):
    items = u._pop_mark()
    if len(items) % 2:
        raise CheckpointError("DICT with an odd number of items")
    u.stack.append(_call_hashing(u, dict, zip(items[::2], items[1::2])))


def _call_hashing(u, fn, *args):
    return u._call("building a dict or set", fn, *args)


def _append(u):
    item = u._pop()
    target = u._top()
    _extend(u, target, [item], "APPEND")


def _appends(u):
    items = u._pop_mark()
    _extend(u, u._top(), items, "APPENDS")


def _extend(u, target, items, opcode):
    if type(target) is list:
        target.extend(items)
        return
    if type(target) in u.allowed_classes:
        u._may_change(target, opcode)
        u._call(f"{opcode} to a {type(target).__name__}", target.extend, items)
        return
    raise CheckpointError(f"{opcode} applies to a {type(target).__name__}; only lists can be appended to")


def _setitem(u):
    value = u._pop()
    key = u._pop()
    _set_items(u, u._top(), [key, value], "SETITEM")


def _setitems(u):
    items = u._pop_mark()
    if len(items) % 2:
        raise CheckpointError("SETITEMS with an odd number of items")
    _set_items(u, u._top(), items, "SETITEMS")


def _set_items(u, target, items, opcode):
    if type(target) in _SETITEM_TYPES or type(target) in u.allowed_classes:
        if type(target) not in _SETITEM_TYPES:
            u._may_change(target, opcode)
        for i in range(0, len(items), 2):
            u._call(f"{opcode} on a {type(target).__name__}", target.__setitem__, items[i], items[i + 1])
        return
    raise CheckpointError(f"{opcode} applies to a {type(target).__name__}; only dicts can have items set")


def _additems(u):
    items = u._pop_mark()
    target = u._top()
    if type(target) is not set:
        raise CheckpointError(f"ADDITEMS applies to a {type(target).__name__}; only sets can have items added")
    u._call("ADDITEMS", target.update, items)


def _frozenset(u):
    items = u._pop_mark()
    out = u._call("FROZENSET", frozenset, items)
    u._check_nesting(out, items)
    u.stack.append(out)


def _get(u):
    line = u._readline()
    _get_index(u, int(line))


def _binget(u):
    _get_index(u, u._read(1)[0])


def _long_binget(u):
    _get_index(u, struct.unpack("<I", u._read(4))[0])


def _get_index(u, i):
    if i not in u.memo:
        raise CheckpointError(f"memo entry {i} is read before it is written")
    u.stack.append(u.memo[i])


def _put(u):
    u.memo[int(u._readline())] = u._top()


def _binput(u):
    u.memo[u._read(1)[0]] = u._top()


def _long_binput(u):
    u.memo[struct.unpack("<I", u._read(4))[0]] = u._top()


def _memoize(u):
    u.memo[len(u.memo)] = u._top()


def _global(u):
    module = u._readline().decode("utf-8")
    name = u._readline().decode("utf-8")
    _push_global(u, module, name)


def _stack_global(u):
    name = u._pop()
    module = u._pop()
    if type(module) is not str or type(name) is not str:
        raise CheckpointError("STACK_GLOBAL needs a module and a name as strings")
    _push_global(u, module, name)


def _push_global(u, module: str, name: str):
    if (module, name) in _compat_pickle.NAME_MAPPING:  # names from Python 2 pickles
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.IMPORT_MAPPING:
        module = _compat_pickle.IMPORT_MAPPING[module]
    obj = u.resolve_global(module, name)
    u.from_global[id(obj)] = obj
    u.stack.append(obj)


def _binpersid(u):
    pid = u._pop()
    u.stack.append(u._call("reading a storage", u.persistent_load, pid))


def _reduce(u):
    args = u._pop()
    func = u._callable(u._pop(), "REDUCE")
    if type(args) is not tuple:
        raise CheckpointError(f"REDUCE's arguments are a {type(args).__name__}, not a tuple")
    u.stack.append(_checked_nesting(u, u._call(f"calling {_name(func)}", func, *args)))


def _newobj(u):
    args = u._pop()
    cls = u._callable(u._pop(), "NEWOBJ")
    if type(args) is not tuple or not isinstance(cls, type):
        raise CheckpointError("NEWOBJ needs a class and a tuple of arguments")
    u.stack.append(_checked_nesting(u, u._call(f"creating a {cls.__name__}", cls.__new__, cls, *args)))


def _newobj_ex(u):
    kwargs = u._pop()
    args = u._pop()
    cls = u._callable(u._pop(), "NEWOBJ_EX")
    if type(args) is not tuple or type(kwargs) is not dict or not isinstance(cls, type):
        raise CheckpointError("NEWOBJ_EX needs a class, a tuple of arguments and a dict of keywords")
    u.stack.append(_checked_nesting(u, u._call(f"creating a {cls.__name__}", cls.__new__, cls, *args, **kwargs)))


def _checked_nesting(u, obj):
    if isinstance(obj, (tuple, frozenset)):
        u._check_nesting(obj, obj)
    return obj


def _build(u):
    state = u._pop()
    inst = u._top()
    u._may_change(inst, "BUILD")
    if type(inst) in (OrderedDict, Counter):
        if isinstance(state, tuple) and len(state) == 2 and not state[1]:
            state = state[0]
        if state is None:
            return
        if type(state) is not dict or not all(type(k) is str and not k.startswith("__") for k in state):
            raise CheckpointError(f"BUILD on an {type(inst).__name__} needs a dict of attribute names")
        inst.__dict__.update(state)
        return
    if type(inst) not in u.allowed_classes:
        raise CheckpointError(f"BUILD (setting an object's state) applies to {_describe(inst)}; only OrderedDicts "
                              f"and instances of classes allowed with ember.serialization.add_safe_globals "
                              f"can be built")
    setstate = getattr(type(inst), "__setstate__", None)
    if setstate is not None and setstate is not getattr(object, "__setstate__", None):
        u._call(f"{type(inst).__name__}.__setstate__", setstate, inst, state)
        return
    slots = None
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = state
    if state:
        if type(state) is not dict:
            raise CheckpointError(f"BUILD on a {type(inst).__name__} needs a dict state")
        u._call(f"setting the state of a {type(inst).__name__}", inst.__dict__.update, state)
    if slots:
        if type(slots) is not dict:
            raise CheckpointError(f"BUILD on a {type(inst).__name__} needs a dict of slot values")
        for k, v in slots.items():
            u._call(f"setting {type(inst).__name__}.{k}", setattr, inst, k, v)


def _name(func) -> str:
    return getattr(func, "__qualname__", None) or type(func).__name__


_OP = pickle
_DISPATCH = {
    _OP.PROTO[0]: _proto, _OP.FRAME[0]: _frame, _OP.STOP[0]: _stop,
    _OP.MARK[0]: _mark, _OP.POP[0]: _pop_op, _OP.POP_MARK[0]: _pop_mark_op, _OP.DUP[0]: _dup,
    _OP.NONE[0]: _push(None), _OP.NEWTRUE[0]: _push(True), _OP.NEWFALSE[0]: _push(False),
    _OP.INT[0]: _int, _OP.BININT[0]: _binint, _OP.BININT1[0]: _binint1, _OP.BININT2[0]: _binint2,
    _OP.LONG[0]: _long, _OP.LONG1[0]: _long1, _OP.LONG4[0]: _long4,
    _OP.FLOAT[0]: _float, _OP.BINFLOAT[0]: _binfloat,
    _OP.STRING[0]: _string, _OP.BINSTRING[0]: _binstring, _OP.SHORT_BINSTRING[0]: _short_binstring,
    _OP.BINBYTES[0]: _sized("<I", bytes), _OP.SHORT_BINBYTES[0]: _sized("<B", bytes),
    _OP.BINBYTES8[0]: _sized("<Q", bytes), _OP.BYTEARRAY8[0]: _sized("<Q", bytearray),
    _OP.UNICODE[0]: _unicode, _OP.BINUNICODE[0]: _sized("<I", str), _OP.SHORT_BINUNICODE[0]: _sized("<B", str),
    _OP.BINUNICODE8[0]: _sized("<Q", str),
    _OP.EMPTY_TUPLE[0]: _push(()), _OP.TUPLE[0]: _tuple_op, _OP.TUPLE1[0]: _tuple_n(1),
    _OP.TUPLE2[0]: _tuple_n(2), _OP.TUPLE3[0]: _tuple_n(3),
    _OP.EMPTY_LIST[0]: _empty(list), _OP.LIST[0]: _list, _OP.APPEND[0]: _append, _OP.APPENDS[0]: _appends,
    _OP.EMPTY_DICT[0]: _empty(dict), _OP.DICT[0]: _dict, _OP.SETITEM[0]: _setitem, _OP.SETITEMS[0]: _setitems,
    _OP.EMPTY_SET[0]: _empty(set), _OP.ADDITEMS[0]: _additems, _OP.FROZENSET[0]: _frozenset,
    _OP.GET[0]: _get, _OP.BINGET[0]: _binget, _OP.LONG_BINGET[0]: _long_binget,
    _OP.PUT[0]: _put, _OP.BINPUT[0]: _binput, _OP.LONG_BINPUT[0]: _long_binput, _OP.MEMOIZE[0]: _memoize,
    _OP.GLOBAL[0]: _global, _OP.STACK_GLOBAL[0]: _stack_global, _OP.BINPERSID[0]: _binpersid,
    _OP.REDUCE[0]: _reduce, _OP.NEWOBJ[0]: _newobj, _OP.NEWOBJ_EX[0]: _newobj_ex, _OP.BUILD[0]: _build,
}
