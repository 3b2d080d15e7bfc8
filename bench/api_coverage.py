"""How much of PyTorch's public API ember has, module by module.

Compares the installed torch (and torchvision, when installed) with ember: for each module,
the public names torch documents (its ``__all__``, else its public attributes defined in
torch), minus the names ``bench/api_exclusions.toml`` excludes with a reason (JIT, compile,
quantization, CUDA-only, ...), and how many of the rest ember has::

    python bench/api_coverage.py                  # the table
    python bench/api_coverage.py --markdown       # the table for the README
    python bench/api_coverage.py --missing nn     # what ember lacks in one module

torch is an oracle here, as in tests/parity: nothing in ember imports it.
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib
import importlib.util
import inspect
import pkgutil
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

import tomllib

EXCLUSIONS = Path(__file__).with_name("api_exclusions.toml")
_MISSING = object()

# (row label, torch module, ember module); "Tensor" rows compare the classes' methods
MODULES = [
    ("torch", "torch", "ember"),
    ("Tensor", "torch.Tensor", "ember.Tensor"),
    ("nn", "torch.nn", "ember.nn"),
    ("nn.functional", "torch.nn.functional", "ember.nn.functional"),
    ("nn.init", "torch.nn.init", "ember.nn.init"),
    ("nn.utils", "torch.nn.utils", "ember.nn.utils"),
    ("nn.utils.rnn", "torch.nn.utils.rnn", "ember.nn.utils.rnn"),
    ("optim", "torch.optim", "ember.optim"),
    ("optim.lr_scheduler", "torch.optim.lr_scheduler", "ember.optim.lr_scheduler"),
    ("utils.data", "torch.utils.data", "ember.utils.data"),
    ("autograd", "torch.autograd", "ember.autograd"),
    ("linalg", "torch.linalg", "ember.linalg"),
    ("fft", "torch.fft", "ember.fft"),
    ("special", "torch.special", "ember.special"),
    ("distributions", "torch.distributions", "ember.distributions"),
    ("amp", "torch.amp", "ember.amp"),
    ("multiprocessing", "torch.multiprocessing", "ember.multiprocessing"),
    ("accelerator", "torch.accelerator", "ember.accelerator"),
    ("backends", "torch.backends", "ember.backends"),
    ("vision.transforms", "torchvision.transforms", "ember.vision.transforms"),
    ("vision.transforms.v2", "torchvision.transforms.v2", "ember.vision.transforms.v2"),
    ("vision.models", "torchvision.models", "ember.vision.models"),
    ("vision.datasets", "torchvision.datasets", "ember.vision.datasets"),
    ("vision.ops", "torchvision.ops", "ember.vision.ops"),
]


@dataclass
class Row:
    module: str
    torch_names: list[str] = field(default_factory=list)   # every public name of the torch module
    excluded: list[str] = field(default_factory=list)      # those the exclusion list takes out
    has: list[str] = field(default_factory=list)           # the rest that ember has
    missing: list[str] = field(default_factory=list)       # the rest that ember lacks
    unused_patterns: list[str] = field(default_factory=list)   # exclusions that match no torch name
    floor: float | None = None                             # the recorded minimum coverage, percent
    available: bool = True                                 # False when torch's module is not installed

    @property
    def coverage(self) -> float:
        wanted = len(self.has) + len(self.missing)
        return 100.0 * len(self.has) / wanted if wanted else 100.0


def _resolve(path: str):
    """A module or a class (``torch.Tensor``) by dotted path; None if it cannot be imported."""
    try:
        return importlib.import_module(path)
    except ImportError:
        parent, _, attr = path.rpartition(".")
        if not parent:
            return None
        try:
            return getattr(importlib.import_module(parent), attr)
        except (ImportError, AttributeError):
            return None


def _defined_in_package(obj, package: str) -> bool:
    """Whether ``obj`` comes from ``package`` (torch's modules re-export typing names, numpy, ...)."""
    module = getattr(obj, "__module__", None)
    if module is None:   # many of torch's C builtins carry no module
        return True
    return module == package or module.startswith(package + ".")


def public_names(obj, path: str) -> list[str]:
    """The public names of a torch module (``__all__`` if it has one) or class (its attributes)."""
    package = path.split(".")[0]
    if inspect.isclass(obj):
        return sorted(n for n in dir(obj) if not n.startswith("_"))
    listed = getattr(obj, "__all__", None)
    names = listed if listed is not None else [n for n in dir(obj) if not n.startswith("_")]
    out = []
    for name in names:
        value = getattr(obj, name, None)
        if isinstance(value, types.ModuleType):
            continue   # submodules are rows of their own (or out of scope)
        if listed is None:
            if inspect.isclass(value) and not _defined_in_package(value, path):
                continue   # a class imported from elsewhere (``Tensor`` in nn.functional)
            if not _defined_in_package(value, package) and (callable(value) or inspect.isclass(value)):
                continue   # ``Optional``, ``warnings``' functions, ...
        out.append(name)
    if not out and hasattr(obj, "__path__"):   # a namespace of submodules only (torch.backends)
        out = [m.name for m in pkgutil.iter_modules(obj.__path__) if not m.name.startswith("_")]
    return sorted(set(out))


def load_exclusions(path: Path = EXCLUSIONS) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


def _ember_has(ember_obj, name: str) -> bool:
    if ember_obj is None:
        return False
    try:
        if getattr(ember_obj, name, _MISSING) is not _MISSING:   # a None value (torch.newaxis) counts
            return True
        if isinstance(ember_obj, types.ModuleType) and hasattr(ember_obj, "__path__"):
            return importlib.util.find_spec(f"{ember_obj.__name__}.{name}") is not None
    except Exception:   # a lazy attribute that fails to import counts as missing
        pass
    return False


def coverage(modules=MODULES, exclusions: dict | None = None) -> list[Row]:
    """One Row per module: torch's names, the excluded ones, what ember has and lacks."""
    exclusions = load_exclusions() if exclusions is None else exclusions
    rows = []
    for label, torch_path, ember_path in modules:
        spec = exclusions.get(label, {})
        row = Row(label, floor=spec.get("floor"))
        torch_obj = _resolve(torch_path)
        if torch_obj is None:
            row.available = False
            rows.append(row)
            continue
        row.torch_names = public_names(torch_obj, torch_path)
        patterns = spec.get("exclude", {})
        used = set()
        ember_obj = _resolve(ember_path)
        for name in row.torch_names:
            hits = [p for p in patterns if fnmatch.fnmatchcase(name, p)]
            if hits:
                used.update(hits)
                row.excluded.append(name)
            elif _ember_has(ember_obj, name):
                row.has.append(name)
            else:
                row.missing.append(name)
        row.unused_patterns = sorted(set(patterns) - used)
        rows.append(row)
    return rows


def _cells(row: Row) -> list[str]:
    if not row.available:
        return [row.module, "-", "-", "-", "n/a"]
    return [row.module, str(len(row.torch_names)), str(len(row.excluded)), str(len(row.has)),
            f"{row.coverage:.0f}%"]


HEADER = ["module", "torch names", "excluded", "ember has", "coverage"]


def table(rows: list[Row], markdown: bool = False) -> str:
    body = [_cells(r) for r in rows]
    if markdown:
        lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
        lines += ["| " + " | ".join(c) + " |" for c in body]
        if not all(r.available for r in rows):
            lines.append("\nn/a: torchvision is not in the torch 2.13 parity environment (its wheels pin other "
                         "torch\nversions); the `vision-parity` tox environment has it, and the report fills these "
                         "rows there.")
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [HEADER] + body) for i in range(len(HEADER))]
    fmt = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)   # noqa: E731
                                  for i, (c, w) in enumerate(zip(cells, widths)))
    note = "\n(n/a: the torch or torchvision module is not installed)" if not all(r.available for r in rows) else ""
    return "\n".join([fmt(HEADER), fmt(["-" * w for w in widths])] + [fmt(c) for c in body]) + note


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--missing", metavar="MODULE", help="list the names ember lacks in MODULE (a row label)")
    parser.add_argument("--excluded", metavar="MODULE", help="list the excluded names of MODULE, with reasons")
    args = parser.parse_args(argv)
    exclusions = load_exclusions()
    rows = coverage(exclusions=exclusions)
    by_label = {r.module: r for r in rows}
    for option in (args.missing, args.excluded):
        if option is not None and option not in by_label:
            parser.error(f"unknown module {option!r}; choose one of: {', '.join(by_label)}")
    if args.missing:
        print("\n".join(by_label[args.missing].missing))
        return 0
    if args.excluded:
        patterns = exclusions.get(args.excluded, {}).get("exclude", {})
        for name in by_label[args.excluded].excluded:
            pattern = next(p for p in patterns if fnmatch.fnmatchcase(name, p))
            print(f"{name}: {patterns[pattern]}")
        return 0
    print(table(rows, markdown=args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
