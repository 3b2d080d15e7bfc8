"""ember's messages are in its own words: no string in ember's sources names a PyTorch C++ internal.

PyTorch's messages often carry the name of the C++ function or kernel that failed
(``"addcmul_cpu_out" not implemented for 'Bool'``, ``lastdim_kernel_impl``, ``slow_conv2d_cpu``)
or a C++ type (``c10::Half``, ``long int``, ``int64_t``). ember keeps PyTorch's error types and the
informative part (op, shapes, dtypes, dims) and names ops by their public names. Every string
literal that is not a docstring is scanned, in ``.py`` files by the AST and in Cython files line by
line, so a copied message cannot come back.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGES = Path(__file__).resolve().parents[2] / "packages"

CPP_INTERNALS = re.compile(
    r"c10::|\bat::|aten::|std::|TORCH_CHECK|Good luck|slow_conv"
    r"|\b\w+_(?:cpu|cuda|impl|vml|cpu_out|kernel_impl|kernel_scalar|kernel_tensor)_?\b"
    r"|\b(?:u?int(?:8|16|32|64)_t|long int|short int|signed char|unsigned char)\b")


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def python_strings(text: str) -> list[tuple[int, str]]:
    """``(line, value)`` of every string literal of a Python source but its docstrings."""
    tree = ast.parse(text)
    docs = _docstrings(tree)
    return sorted((n.lineno, n.value) for n in ast.walk(tree)
                  if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs)


def cython_strings(text: str) -> list[tuple[int, str]]:
    """``(line, literal)`` of the quoted strings on the lines of a Cython file that raise or warn
    (its C declarations legitimately name C types)."""
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        if re.search(r"\braise\b|Error\(|Warning\(|warn\(", line):
            out.extend((i, m) for m in re.findall(r"\"[^\"]*\"|'[^']*'", line))
    return out


# ember-cuda's executor writes C++ source (its strings are code, not messages), and its own import
# name ``ember_cuda`` looks like a C++ kernel name to the pattern
CPP_SOURCE_WRITERS = ("cuda-backend/src/ember_cuda/executor/",)
OWN_NAMES = re.compile(r"\bember_cuda\b")


def offenders(path: Path) -> list[str]:
    if any(path.relative_to(PACKAGES).as_posix().startswith(d) for d in CPP_SOURCE_WRITERS):
        return []
    text = path.read_text(encoding="utf-8")
    strings = cython_strings(text) if path.suffix == ".pyx" else python_strings(text)
    return [f"{path.relative_to(PACKAGES)}:{line}: {value!r}" for line, value in strings
            if CPP_INTERNALS.search(OWN_NAMES.sub("", value))]


def test_the_scan_finds_copied_names():
    source = ('def f(x):\n    """Docstrings may say addcmul_cpu_out."""\n'
              '    raise NotImplementedError("\\"addcmul_cpu_out\\" not implemented for \'Bool\'")\n'
              'A = "expected dtype long int"\nB = "c10::Half"\nC = "lastdim_kernel_impl"\nD = "fan_out"\n')
    found = [value for _, value in python_strings(source) if CPP_INTERNALS.search(value)]
    assert found == ['"addcmul_cpu_out" not implemented for \'Bool\'', "expected dtype long int", "c10::Half",
                     "lastdim_kernel_impl"]
    pyx = 'cdef int64_t n\n    raise ValueError(f"bad index for int64_t")\n    raise ValueError("index out of range")\n'
    assert [v for _, v in cython_strings(pyx) if CPP_INTERNALS.search(v)] == ['"bad index for int64_t"']


def test_no_message_names_a_pytorch_cpp_internal():
    paths = [p for pattern in ("*/src/**/*.py", "*/src/**/*.pyx") for p in sorted(PACKAGES.glob(pattern))]
    assert len(paths) > 100
    found = [line for path in paths for line in offenders(path)]
    assert not found, "strings naming PyTorch's C++ internals:\n" + "\n".join(found)
