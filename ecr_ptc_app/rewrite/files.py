"""The files ``rewrite`` (and ``warm --from``) look at: YAML files given, or found in directories. Standard library."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, TextIO

YAML_SUFFIXES = (".yaml", ".yml")


def helm_template(path: Path) -> bool:
    """A file under a Helm chart's templates/ is a Go template, not YAML until rendered."""
    return any(parent.name == "templates" and (parent.parent / "Chart.yaml").is_file() for parent in path.parents)


class Refused(Exception):
    """A file given by name that rewrite must not touch (a Helm template): an error, exit 2."""


def files(paths: list[str], err: TextIO, quiet: bool) -> Iterator[Path | Refused]:
    """The files to look at: each FILE as given; a directory's *.yaml and *.yml, sorted, hidden folders and Helm
    chart templates left out. A Helm template given by name is refused. A path that does not exist is yielded as it
    is (reading it reports the error). A file reached twice (through a link) is yielded once."""
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if not path.is_dir():
            if helm_template(path.resolve()) or path.suffix == ".tpl":
                yield Refused(
                    f"{path}: a Helm chart template (Go template syntax, not YAML until rendered); not rewritten"
                )
                continue
            candidates = [path]
        else:
            candidates = []
            for found in sorted(path.rglob("*")):
                relative = found.relative_to(path)
                if found.suffix not in YAML_SUFFIXES or not found.is_file():
                    continue
                if any(part.startswith(".") for part in relative.parts[:-1]):
                    continue
                if helm_template(found):
                    if not quiet:
                        print(f"{found}: a Helm chart template, skipped (rewrite the chart's values)", file=err)
                    continue
                candidates.append(found)
        for candidate in candidates:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                yield candidate


__all__ = ["YAML_SUFFIXES", "Refused", "files", "helm_template"]
