"""Rooms that stay small (issue 20): no product function over 80 lines, no product module over 500. Read with
``ast``, nothing imported; a failure names each offender with its size, so the fix is a split along a seam."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = [ROOT / "constructs" / "ecr_ptc", ROOT / "ecr_ptc_app", ROOT / "lambda" / "ecr_ptc_runtime", ROOT / "stacks"]
MAX_FUNCTION_LINES = 80
MAX_MODULE_LINES = 500


def product_modules() -> list[Path]:
    return sorted(path for folder in PRODUCT for path in folder.rglob("*.py"))


def long_functions(path: Path, limit: int = MAX_FUNCTION_LINES, root: Path = ROOT) -> list[str]:
    """``<file>::<Class.function> (<lines>)`` for each function or method longer than ``limit`` lines, from its
    ``def`` line to its last line (decorators not counted), nested ones included."""
    found: list[str] = []

    def visit(node: ast.AST, qualname: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{qualname}.{child.name}" if qualname else child.name
                lines = (child.end_lineno or child.lineno) - child.lineno + 1
                if not isinstance(child, ast.ClassDef) and lines > limit:
                    found.append(f"{path.relative_to(root)}::{name} ({lines})")
                visit(child, name)
            else:
                visit(child, qualname)

    visit(ast.parse(path.read_text(encoding="utf-8"), str(path)), "")
    return found


def long_module(path: Path, limit: int = MAX_MODULE_LINES, root: Path = ROOT) -> list[str]:
    """``<file> (<lines>)`` when the module is longer than ``limit`` lines."""
    lines = len(path.read_text(encoding="utf-8").splitlines())
    return [f"{path.relative_to(root)} ({lines})"] if lines > limit else []


def test_the_walk_finds_the_product_packages():
    modules = product_modules()
    for folder in PRODUCT:
        assert any(m.is_relative_to(folder) for m in modules), folder
    assert ROOT / "lambda" / "ecr_ptc_runtime" / "handler.py" in modules


def test_no_product_function_is_over_80_lines():
    found = [f for path in product_modules() for f in long_functions(path)]
    assert not found, "split these functions along their seams (80 lines at most):\n" + "\n".join(found)


def test_no_product_module_is_over_500_lines():
    found = [m for path in product_modules() for m in long_module(path)]
    assert not found, "move a coherent part of these modules into its own (500 lines at most):\n" + "\n".join(found)


def _body(lines: int, indent: int) -> str:
    return "".join(f"{' ' * indent}x{i} = {i}\n" for i in range(lines))


def test_the_measure_counts_methods_nested_functions_and_module_lines(tmp_path):
    source = (
        "class C:\n    @staticmethod\n    def fits():\n"
        + _body(79, 8)  # def line + 79 = 80 lines
        + "\n    def method(self):\n"
        + _body(80, 8)  # 81 lines
        + "\n\nasync def outer():\n    def inner():\n"
        + _body(80, 8)  # inner 81, outer 82
    )
    path = tmp_path / "m.py"
    path.write_text(source)
    assert long_functions(path, root=tmp_path) == ["m.py::C.method (81)", "m.py::outer (82)", "m.py::outer.inner (81)"]
    lines = len(source.splitlines())
    assert long_module(path, limit=lines, root=tmp_path) == []
    assert long_module(path, limit=lines - 1, root=tmp_path) == [f"m.py ({lines})"]
