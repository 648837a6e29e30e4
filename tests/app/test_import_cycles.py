"""No import circles in the product packages: every ``import`` (top-level, inside functions and under
``TYPE_CHECKING`` alike) read with ``ast``, no module imported. A circle means two modules own each other's
facts; the fix is a third module both read."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# installed package name -> source folder (pyproject's package-dir)
PACKAGES = {
    "ecr_ptc": ROOT / "constructs" / "ecr_ptc",
    "ecr_ptc_runtime": ROOT / "lambda" / "ecr_ptc_runtime",
    "ecr_ptc_stacks": ROOT / "stacks",
    "ecr_ptc_app": ROOT / "ecr_ptc_app",
}


def modules() -> dict[str, Path]:
    found = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            name = ".".join((package, *parts))
            found[name.removesuffix(".__init__")] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The product modules ``name`` imports (``from p import m`` counts ``p.m`` when that is a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            out.add(base)
            out |= {f"{base}.{alias.name}" for alias in node.names}
    return {m for m in out if m in known and m != name}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for child in sorted(graph[node]):
            if child not in index:
                visit(child)
                low[node] = min(low[node], low[child])
            elif child in on_stack:
                low[node] = min(low[node], index[child])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_walk_sees_the_product_modules_and_their_imports():
    known = modules()
    assert {"ecr_ptc.cache.rules", "ecr_ptc_runtime.handler", "ecr_ptc_stacks.compose", "ecr_ptc_app.cli"} <= set(known)
    compose = imports("ecr_ptc_stacks.compose", known["ecr_ptc_stacks.compose"], known)
    assert {"ecr_ptc_stacks.cache_stack", "ecr_ptc_app.config"} <= compose  # relative and absolute imports


def test_the_cycle_finder_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles_in_the_product_packages():
    known = modules()
    graph = {name: imports(name, path, known) for name, path in known.items()}
    assert cycles(graph) == []
