"""Read the stacks of a cloud assembly directory (``cdk.out``, or a release fixture folder of templates)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

STACK_ARTIFACT = "aws:cloudformation:stack"
NESTED_ARTIFACT = "cdk:cloud-assembly"
TEMPLATE_SUFFIX = ".template.json"


class AssemblyError(Exception):
    """The directory holds no readable cloud assembly."""


@dataclass(frozen=True)
class AssemblyStack:
    """One stack: its name, template and environment; ``nested``: in a nested assembly (the organization's
    spoke, which a StackSet deploys rather than ``cdk deploy``)."""

    name: str
    template: dict[str, Any]
    account: Optional[str] = None
    region: Optional[str] = None
    nested: bool = False


def _environment(artifact: dict[str, Any]) -> tuple[Optional[str], Optional[str]]:
    env = str(artifact.get("environment", ""))
    if not env.startswith("aws://"):
        return None, None
    account, _, region = env[len("aws://") :].partition("/")
    return (None if account.startswith("unknown-") else account), (None if region.startswith("unknown-") else region)


def _load(path: Path) -> dict[str, Any]:
    try:
        template = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise AssemblyError(f"{path}: not a readable JSON template ({exc})") from exc
    if not isinstance(template, dict):
        raise AssemblyError(f"{path}: not a CloudFormation template")
    return template


def _from_manifest(folder: Path, nested: bool) -> list[AssemblyStack]:
    manifest = json.loads((folder / "manifest.json").read_text())
    stacks: list[AssemblyStack] = []
    for artifact_id, artifact in sorted(manifest.get("artifacts", {}).items()):
        props = artifact.get("properties", {})
        if artifact.get("type") == STACK_ARTIFACT:
            account, region = _environment(artifact)
            name = props.get("stackName") or artifact_id
            template = _load(folder / props["templateFile"])
            stacks.append(AssemblyStack(name, template, account, region, nested))
        elif artifact.get("type") == NESTED_ARTIFACT and props.get("directoryName"):
            stacks += _from_manifest(folder / props["directoryName"], nested=True)
    return stacks


def read(folder: Path | str) -> dict[str, AssemblyStack]:
    """The stacks of ``folder`` by stack name: from its ``manifest.json`` (nested assemblies included), or
    without one from its ``<stack>.template.json`` files (release fixtures; no environment).

    :raises AssemblyError: for a folder that does not exist or holds no template.
    """
    root = Path(folder)
    if not root.is_dir():
        raise AssemblyError(f"{root} is not a directory")
    try:
        if (root / "manifest.json").is_file():
            stacks = _from_manifest(root, nested=False)
        else:
            stacks = [
                AssemblyStack(p.name[: -len(TEMPLATE_SUFFIX)], _load(p))
                for p in sorted(root.glob(f"*{TEMPLATE_SUFFIX}"))
            ]
    except (OSError, ValueError, KeyError) as exc:
        raise AssemblyError(f"{root}/manifest.json: not a cloud assembly manifest ({exc})") from exc
    if not stacks:
        raise AssemblyError(f"{root} holds no stack template (*.template.json)")
    return {s.name: s for s in stacks}
