"""Synthesize the real app (cdk.json feature flags, cdk-nag plugin) for a config file, in-process."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from aws_cdk import App

from ecr_ptc_app.config import load_config
from ecr_ptc_stacks.compose import add_checks, build_app

ROOT = Path(__file__).resolve().parents[2]
CONTEXT = json.loads((ROOT / "cdk.json").read_text())["context"]
ASSET_HASH = re.compile(r"[0-9a-f]{64}")


def synth(config_path: Path | str, outdir: Path) -> dict[str, dict[str, Any]]:
    """Templates by stack name. cdk-nag findings or CloudFormation errors make synth raise."""
    app = App(context=dict(CONTEXT), outdir=str(outdir))
    build_app(app, load_config(config_path))
    assert add_checks(app)
    assembly = app.synth()
    return {stack.stack_name: stack.template for stack in assembly.stacks}


def synth_all(config_path: Path | str, outdir: Path, **context: Any) -> dict[str, dict[str, Any]]:
    """Every stack's template by stack name, nested Stages' included (the organization's spoke); ``context``
    adds to cdk.json's."""
    app = App(context={**CONTEXT, **context}, outdir=str(outdir))
    build_app(app, load_config(config_path))
    assert add_checks(app)
    return {stack.stack_name: stack.template for stack in app.synth().stacks_recursively}


def normalise(template: dict[str, Any]) -> dict[str, Any]:
    """Asset hashes change with any byte of the runtime code; snapshots should not."""
    return json.loads(ASSET_HASH.sub("<asset-hash>", json.dumps(template)))
