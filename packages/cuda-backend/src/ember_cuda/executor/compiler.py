"""Turn a CUDA C kernel file into a shared library the CPU executor can launch.

The source is compiled as C++ by g++ with ``cpu_cuda.h`` force-included. Two line-preserving
rewrites make it valid C++ (``extern __shared__ T name[];`` becomes a pointer to the launch's
dynamic shared memory) and a generated table at the end lists every ``__global__`` function
with its parameter kinds and sizes, so launches can be checked against the real signature.
Libraries are cached by a hash of everything that goes into them.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

HEADER = Path(__file__).with_name("cpu_cuda.h")
CXXFLAGS = ("-std=gnu++17", "-O1", "-fPIC", "-shared", "-fno-strict-aliasing", "-Wall", "-Wno-unused-function")

_MARK = "__ember_global_kernel__"
_KERNEL = re.compile(_MARK + r"\s+void\s+(?:__attribute__\s*\(\([^)]*\)\)\s*)?([A-Za-z_]\w*)\s*\(")
_SHARED = "__ember_shared_storage__"
_DYNAMIC_SHARED = re.compile(r"extern\s+" + _SHARED + r"\s+([^;\[\]]*?)\s*\b([A-Za-z_]\w*)\s*\[\s*\]\s*;")
_ALIGN = re.compile(r"(?:__align__|alignas)\s*\(\s*\d+\s*\)")


class CompileError(RuntimeError):
    """g++ refused a kernel file; the message carries the compiler's output."""


def cache_dir() -> Path:
    """Where compiled kernel libraries live: $EMBER_CUDA_CACHE, else ~/.cache/ember_cuda."""
    root = os.environ.get("EMBER_CUDA_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "ember_cuda"


def kernel_names(preprocessed: str) -> list[str]:
    """The ``__global__`` functions in source preprocessed with ``-D__global__=`` the marker, in order."""
    return list(dict.fromkeys(_KERNEL.findall(preprocessed)))


def _dynamic_shared(match: re.Match) -> str:
    ctype = _ALIGN.sub("", match.group(1)).strip()
    name = match.group(2)
    return f"{ctype}* const {name} = reinterpret_cast<{ctype}*>(::ember_cpu::g_dynamic_shared);"


def translate(preprocessed: str, origin: str) -> str:
    """The C++ translation unit for one preprocessed kernel file, with its kernel table appended."""
    names = kernel_names(preprocessed)
    if not names:
        raise CompileError(f"{origin} defines no __global__ function")
    body = _DYNAMIC_SHARED.sub(_dynamic_shared, preprocessed.replace(_MARK, "")).replace(_SHARED, "thread_local")
    entries = ",\n".join(f'    ::ember_cpu::entry<&{n}>("{n}")' for n in names)
    table = f"""
# 1 "<ember kernel table>"
static const ::ember_cpu::KernelEntry ember_kernel_table[] = {{
{entries}
}};
extern "C" {{
int ember_kernel_count(void) {{ return {len(names)}; }}
const char* ember_kernel_name(int k) {{ return ember_kernel_table[k].name; }}
int ember_kernel_nparams(int k) {{ return ember_kernel_table[k].nparams; }}
int ember_kernel_param_kind(int k, int j) {{ return ember_kernel_table[k].kinds[j]; }}
int ember_kernel_param_size(int k, int j) {{ return ember_kernel_table[k].sizes[j]; }}
int ember_launch(int k, void** args, const unsigned int* grid, const unsigned int* block, size_t shared,
                 char* err, size_t errlen) {{
    return ::ember_cpu::launch(ember_kernel_table[k], args, grid, block, shared, err, errlen);
}}
}}
"""
    return f"{body}\n{table}"


@lru_cache(maxsize=1)
def compiler() -> tuple[str, str]:
    """The C++ compiler to use ($CXX, else g++) and its version line, for the cache key."""
    cxx = os.environ.get("CXX") or "g++"
    path = shutil.which(cxx)
    if path is None:
        raise CompileError(f"the CPU executor needs a C++ compiler: {cxx!r} is not on PATH (install g++ or set CXX)")
    version = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout
    return path, version.splitlines()[0] if version else cxx


def define_flags(defines: dict[str, object] | None) -> list[str]:
    flags = []
    for key, value in sorted((defines or {}).items()):
        if not re.fullmatch(r"[A-Za-z_]\w*", str(key)):
            raise ValueError(f"invalid macro name {key!r} in defines")
        flags.append(f"-D{key}" if value is None else f"-D{key}={value}")
    return flags


def build(path: str | os.PathLike, defines: dict[str, object] | None = None) -> Path:
    """Compile ``path`` with ``defines`` (or find it in the cache); returns the library's path."""
    path = Path(path).resolve()
    source = path.read_text()
    cxx, version = compiler()
    flags = [*CXXFLAGS, *define_flags(defines)]
    digest = hashlib.sha256()
    for part in (source, HEADER.read_text(), version, " ".join(flags)):
        digest.update(part.encode())
        digest.update(b"\0")
    for sibling in sorted(path.parent.glob("*.cuh")) + sorted(path.parent.glob("*.h")):
        digest.update(sibling.read_bytes())
    key = digest.hexdigest()[:24]
    out_dir = cache_dir()
    target = out_dir / f"{path.stem}-{key}.so"
    if target.exists():
        return target
    out_dir.mkdir(parents=True, exist_ok=True)
    include = ["-I", str(path.parent), "-include", str(HEADER)]
    pre = subprocess.run(
        [cxx, "-E", *flags, f"-D__global__={_MARK}", f"-D__shared__={_SHARED}", *include, "-x", "c++", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if pre.returncode != 0:
        raise CompileError(f"preprocessing {path.name} for the CPU executor failed:\n{pre.stderr.strip()}")
    unit = translate(pre.stdout, str(path))
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".build-") as tmp:
        cpp = Path(tmp) / f"{path.stem}.ii"
        cpp.write_text(unit)
        so = Path(tmp) / target.name
        done = subprocess.run([cxx, *flags, "-x", "c++", str(cpp), "-o", str(so)], capture_output=True, text=True)
        if done.returncode != 0:
            raise CompileError(f"compiling {path.name} for the CPU executor failed:\n{done.stderr.strip()}")
        os.replace(so, target)
    return target
