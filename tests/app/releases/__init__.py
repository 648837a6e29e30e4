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


CHANGELOG = HERE.parents[2] / "CHANGELOG.md"


def breaking_entries_since(version: str, changelog: str | None = None) -> list[str]:
    """The bullets under ``### Breaking`` of every CHANGELOG section newer than ``version`` (Unreleased too)."""
    import re

    text = changelog if changelog is not None else CHANGELOG.read_text()
    newer = text.split(f"## [{version}]", 1)[0]
    entries: list[str] = []
    for section in re.split(r"^### ", newer, flags=re.M)[1:]:
        if section.startswith("Breaking"):
            entries += [b.strip() for b in re.split(r"^- ", section.split("\n", 1)[1], flags=re.M) if b.strip()]
    return entries


def upgrade_problems(version: str, config: str, templates: dict[str, dict[str, Any]]) -> list[str]:
    """What upgrading from ``version``'s templates of ``config`` (a fixture folder) to ``templates`` (today's, by
    stack name; only these stacks are compared) would fail or lose, unless a Breaking entry of the CHANGELOG since
    ``version`` names the resource's logical id and gives its ``Steps:``."""
    from ecr_ptc_app.plan.assembly import read
    from ecr_ptc_app.plan.classify import classify

    folder = HERE / version / config
    if not folder.is_dir():  # a config shipped after that release: nothing to upgrade from
        return []
    old = {n: s.template for n, s in read(folder).items() if n in templates}
    documented = breaking_entries_since(version)
    problems = []
    for stack in classify(old, {n: t for n, t in templates.items() if n in old}, {}):
        for change in stack.refused:
            if not any(change.logical_id in entry and "Steps:" in entry for entry in documented):
                problems.append(
                    f"{version} -> today, {config}/{stack.stack}: {change.logical_id} ({change.type}) "
                    f"{change.problem or change.loss}; Fix: {change.fix}, or a CHANGELOG Breaking entry naming "
                    f"{change.logical_id} with its Steps:"
                )
    return problems
