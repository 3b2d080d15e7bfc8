"""No import cycles among ember's modules, in every distribution.

The graph is built statically from the source under ``packages/*/src``: an edge for every
``import`` of an ``ember`` module, at module level or inside a function (a function-level
import only postpones a cycle), except under ``if TYPE_CHECKING:``. Cython files count
through their Python-level ``import`` lines. A cycle is reported with its modules in order.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGES = Path(__file__).resolve().parents[2] / "packages"

# A lower layer that loads a layer above it on demand, by design (an optional distribution, or
# a subpackage kept out of ``import ember``): these are the only imports that point up, and the
# test keeps the list from growing silently.
UPWARD_LOOKUPS = {
    ("ember._core", "ember.autograd"): "setting requires_grad loads ember-autograd, which installs the recorder",
    ("ember.serialization.rebuild", "ember.nn"): "a file naming Parameter rebuilds ember.nn.Parameter if installed",
    # ember.sparse is built on Tensor and the dense ops, and imported on first use (import ember stays fast):
    ("ember._tensor", "ember.sparse.coo"): "Tensor.to_sparse loads the sparse layer",
    ("ember.ops.linalg", "ember.sparse"): "mm/matmul of a sparse operand go to the sparse layer",
    ("ember.ops.sparse_entry", "ember.sparse.coo"): "ember.sparse_coo_tensor is a door to the sparse layer",
    ("ember.ops.sparse_entry", "ember.sparse.ops"): "ember.spmm is a door to the sparse layer",
    # not by design: SparseCooTensor's operators forward to ember.sparse.ops, which builds on the class
    # (a cycle inside api-core's sparse layer, left to its authors: move the operators' bodies to one side)
    ("ember.sparse.coo", "ember.sparse.ops"): "SparseCooTensor.__add__/__matmul__/sum call the sparse ops",
}


def module_files() -> dict[str, Path]:
    """Every ``ember.*`` module of every distribution, by dotted name."""
    found = {}
    for src in PACKAGES.glob("*/src"):
        for path in [*src.rglob("*.py"), *src.rglob("*.pyx")]:
            parts = list(path.relative_to(src).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            if parts and parts[0] == "ember":
                found[".".join(parts)] = path
    return found


def _is_type_checking(node: ast.AST) -> bool:
    test = node.test if isinstance(node, ast.If) else None
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST):
    """The import statements of ``tree``, skipping ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif _is_type_checking(node):
            stack.extend(node.orelse)
        else:
            stack.extend(ast.iter_child_nodes(node))


def _cython_imports(text: str) -> str:
    """The Python-level import lines of a Cython file, dedented, as Python source."""
    lines = re.findall(r"^[ \t]*((?:from [\w.]+ import [\w, ]+|import [\w., ]+))[ \t]*(?:#.*)?$", text, re.M)
    return "\n".join(line for line in lines if " cimport " not in line)


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The ember modules that module ``name`` imports."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(_cython_imports(text) if path.suffix == ".pyx" else text, filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            parts = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join(parts + ([node.module] if node.module else []))
        for alias in node.names:  # ``from ember import _core`` is an edge to ember._core
            sub = f"{base}.{alias.name}"
            out.add(sub if sub in modules else base)
    return {m for m in out if m in modules and m != name and (name, m) not in UPWARD_LOOKUPS}


def import_graph() -> dict[str, set[str]]:
    modules = module_files()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(set(component))
    return [_a_cycle_in(c, graph) for c in components]


def _a_cycle_in(component: set[str], graph: dict[str, set[str]]) -> list[str]:
    """A path ``a -> b -> ... -> a`` inside a strongly connected component (breadth-first)."""
    start = min(component)
    came_from = {start: None}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph[node] & component):
            if child == start:
                path = [node]
                while came_from[path[-1]] is not None:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if child not in came_from:
                came_from[child] = node
                queue.append(child)
    raise AssertionError(f"no cycle through {start}")


def test_the_graph_sees_every_distribution():
    graph = import_graph()
    for name in ("ember._core", "ember.autograd.recorder", "ember.nn.modules.module", "ember.utils.data.dataloader",
                 "ember.vision.models.resnet", "ember.testing.suite"):
        assert name in graph
    assert "ember.autograd.node" in graph["ember.autograd.recorder"]
    assert "ember.ops.creation" in graph["ember.random"]


def test_find_cycles_reports_a_cycle_in_order():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles():
    cycles = find_cycles(import_graph())
    assert not cycles, "import cycles among ember's modules:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_upward_lookups_are_still_there():
    """An entry of UPWARD_LOOKUPS that no longer exists is removed, so the list stays exact."""
    modules = module_files()
    for low, high in UPWARD_LOOKUPS:
        text = modules[low].read_text(encoding="utf-8")
        assert re.search(rf"^\s*(from {re.escape(high)} import|import {re.escape(high)}\b)", text, re.M), (low, high)
