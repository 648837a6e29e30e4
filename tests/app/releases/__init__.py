"""The templates each released version of ecr-ptc synthesizes for the shipped configs (``config/*.yaml``).

``tests/app/releases/<version>/<config stem>/<stack name>.template.json``, written once when a version is
released (``python -m tests.app.releases record VERSION``, from the release commit) and never edited
afterwards: ``test_releases.py`` plans from each of them to today's templates, so upgrading ecr-ptc is
checked like any other change (fixtures rather than git tags: a shallow or tagless clone runs the test).

Asset hashes are replaced with ``<asset-hash>`` (as the snapshot tests do): a changed hash only changes a
Lambda function's ``Code`` or a StackSet's ``TemplateURL``, which update in place, so the classifier needs
no hash to tell an update from a replacement.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def versions() -> list[str]:
    """Released versions with fixtures, oldest first."""
    found = [p.name for p in HERE.iterdir() if p.is_dir() and p.name[0].isdigit()]
    return sorted(found, key=lambda v: tuple(int(part) for part in v.split(".")))


def assembly_dirs(version: str) -> dict[str, Path]:
    """The fixture folder of each config (by config stem) for ``version``."""
    return {p.name: p for p in sorted((HERE / version).iterdir()) if p.is_dir()}


def write(folder: Path, templates: dict[str, dict[str, Any]]) -> list[Path]:
    """One ``<stack>.template.json`` per stack in ``folder`` (created), sorted keys as CDK writes them."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for stack, template in sorted(templates.items()):
        path = folder / f"{stack}.template.json"
        path.write_text(json.dumps(template, indent=1, sort_keys=False) + "\n")
        written.append(path)
    return written
