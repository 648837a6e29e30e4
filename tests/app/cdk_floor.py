"""The lowest aws-cdk-lib (and constructs, cdk-nag) pyproject.toml allows, and the API surface the code uses.

The surface: every name the product code reaches from ``aws_cdk``, ``constructs`` and ``cdk_nag``
(modules, classes, enum members, static methods, class properties) and every keyword it passes to
such a class or static method, found in the source by its imports and attribute chains. Methods
called on instances are not followed (no types here); the construct tests run against the floor
(``make cdk-floor``) cover those.

``tests/app/cdk_floor_surface.txt`` records that surface as checked against the floor; the test
in ``test_cdk_floor.py`` fails when the code uses something not recorded there. Commands (from
the repository root, the venv's python):

    python -m tests.app.cdk_floor install DIR   # the floor versions into DIR (pip --target; needs PyPI)
    PYTHONPATH=DIR python -m tests.app.cdk_floor record   # check the surface there, rewrite the file
"""

from __future__ import annotations

import ast
import enum
import importlib
import inspect
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
SURFACE_FILE = Path(__file__).with_name("cdk_floor_surface.txt")
ROOTS = ("aws_cdk", "constructs", "cdk_nag")  # top-level modules whose surface is tracked
DISTRIBUTIONS = {"aws_cdk": "aws-cdk-lib", "constructs": "constructs", "cdk_nag": "cdk-nag"}
# What the floor install keeps (the rest, e.g. an older python-dateutil, comes from the venv).
FLOOR_KEEP = ("aws_cdk", "constructs", "cdk_nag")


def project() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def floors() -> dict[str, str]:
    """Distribution name -> the lowest version ``[project] dependencies`` allows (``>=X``)."""
    found = {}
    for line in project()["project"]["dependencies"]:
        req = Requirement(line)
        lows = [s.version for s in req.specifier if s.operator in (">=", "==")]
        if req.name in DISTRIBUTIONS.values() and lows:
            found[req.name] = lows[0]
    return found


def product_files() -> list[Path]:
    """The product code, as mypy checks it (``[tool.mypy] files``)."""
    files: list[Path] = []
    for entry in project()["tool"]["mypy"]["files"]:
        path = ROOT / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def _chain(node: ast.expr) -> list[str] | None:
    """``a.b.c`` -> ['a', 'b', 'c']; None when the chain does not start at a plain name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def _resolve(expr: ast.expr, aliases: dict[str, str]) -> str | None:
    """The dotted name an attribute chain denotes, when it starts at an imported tracked name."""
    parts = _chain(expr)
    if not parts or parts[0] not in aliases:
        return None
    return ".".join([aliases[parts[0]], *parts[1:]])


def used_surface(files: Iterable[Path]) -> set[str]:
    """Dotted names (``aws_cdk.aws_lambda.Runtime.PYTHON_3_14``) and keywords (``aws_cdk.Duration.minutes(x=)``)."""
    used: set[str] = set()
    for file in files:
        tree = ast.parse(file.read_text(), str(file))
        aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.split(".")[0] in ROOTS:
                        used.add(a.name)
                        aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module.split(".")[0] in ROOTS:
                    for a in node.names:
                        used.add(f"{node.module}.{a.name}")
                        aliases[a.asname or a.name] = f"{node.module}.{a.name}"

        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and (name := _resolve(node, aliases)):
                used.add(name)
            elif isinstance(node, ast.Call) and (name := _resolve(node.func, aliases)):
                used.update(f"{name}({kw.arg}=)" for kw in node.keywords if kw.arg)
    return used


def _lookup(name: str) -> Any:
    """The object a dotted name denotes, looked up without calling into jsii (no class property is read).

    :raises LookupError: when a part does not exist.
    """
    parts = name.split(".")
    obj: Any = importlib.import_module(parts[0])
    for i, part in enumerate(parts[1:], start=2):
        if isinstance(obj, ModuleType):
            try:
                obj = importlib.import_module(".".join(parts[:i]))
                continue
            except ModuleNotFoundError:
                pass
            if part not in vars(obj) and not hasattr(obj, part):
                raise LookupError(f"{'.'.join(parts[: i - 1])} has no {part}")
            obj = getattr(obj, part)
        elif isinstance(obj, type):
            if issubclass(obj, enum.Enum) and part in obj.__members__:
                obj = obj.__members__[part]
                continue
            try:
                obj = inspect.getattr_static(obj, part)
            except AttributeError:
                raise LookupError(f"{'.'.join(parts[: i - 1])} has no {part}") from None
            if isinstance(obj, (staticmethod, classmethod)):
                obj = obj.__func__
        else:  # a class property, method or member: what it returns is not looked into
            return obj
    return obj


def check(item: str) -> str | None:
    """None when ``item`` exists in the importable versions, else what is missing."""
    name, _, keyword = item.partition("(")
    try:
        obj = _lookup(name)
    except LookupError as e:
        return str(e)
    if not keyword:
        return None
    keyword = keyword.rstrip("=)")
    function = obj.__init__ if isinstance(obj, type) else obj
    try:
        params = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return f"{name} has no signature to check keyword {keyword!r} against"
    if keyword in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return None
    return f"{name} takes no keyword {keyword!r}"


def read_surface() -> tuple[dict[str, str], set[str]]:
    """(distribution -> version recorded, items) from the surface file."""
    versions: dict[str, str] = {}
    items: set[str] = set()
    for line in SURFACE_FILE.read_text().splitlines():
        if line.startswith("# checked against "):
            for pair in line.removeprefix("# checked against ").split(", "):
                dist, _, ver = pair.partition("==")
                versions[dist] = ver
        elif line and not line.startswith("#"):
            items.add(line)
    return versions, items


def record() -> int:
    want = floors()
    have = {dist: version(dist) for dist in want}
    if have != want:
        print(f"importable {have}, the floor is {want}: run with PYTHONPATH=<dir of `install`>", file=sys.stderr)
        return 2
    items = sorted(used_surface(product_files()))
    missing = [f"{item}: {problem}" for item in items if (problem := check(item))]
    if missing:
        print("not in the floor versions (raise the floor in pyproject.toml or use another API):", file=sys.stderr)
        print("\n".join(missing), file=sys.stderr)
        return 1
    header = [
        "# The aws_cdk, constructs and cdk_nag names and keywords the product code uses, each checked to",
        "# exist in the lowest versions pyproject.toml allows. Written by `python -m tests.app.cdk_floor record`.",
        "# checked against " + ", ".join(f"{d}=={v}" for d, v in sorted(want.items())),
    ]
    SURFACE_FILE.write_text("\n".join(header + items) + "\n")
    print(f"{len(items)} names and keywords recorded in {SURFACE_FILE.relative_to(ROOT)}")
    return 0


def install(target: Path) -> int:
    """The floor versions into ``target``, keeping only their own packages (the venv provides the rest)."""
    shutil.rmtree(target, ignore_errors=True)
    pins = [f"{dist}=={ver}" for dist, ver in sorted(floors().items())]
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-warn-conflicts", "--target", str(target), *pins]
    )
    if done.returncode:
        return done.returncode
    for entry in target.iterdir():
        name = entry.name.lower().replace("-", "_")
        if not name.startswith(FLOOR_KEEP):
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    print(f"{', '.join(pins)} in {target}")
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["record"]:
        return record()
    if argv[:1] == ["install"] and len(argv) == 2:
        return install(Path(argv[1]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
