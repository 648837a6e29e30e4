"""``ecr-ptc plan``: what deploying this config would change, before it is deployed.

Synthesizes the config in-process (cdk-nag and cfn-lint gates on the new templates) and compares every stack,
resource by resource, with a previous cloud assembly (``--against DIR``: a ``cdk.out`` kept from the last
deploy, or a release's fixtures) or with what CloudFormation has deployed (``--against deployed``:
``GetTemplate`` per stack, ``DescribeStackSet`` for the organization's spoke; read-only). Prints per stack the
resources added, updated in place, replaced and removed, each change that would fail at deploy or lose data or
access with its reason and fix, and for the StackSet how many stack instances the change updates.

Exit codes: 0 every change deploys safely, 1 a change would fail or lose something (or a gate failed, or a
stack could not be compared), 2 bad usage (config mistakes, no such directory, AWS not readable). No AWS call
without ``--against deployed``. Only the standard library is imported here.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any, Optional, TextIO

DEPLOYED = "deployed"
SCHEMA_VERSION = 1


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "plan",
        help="what deploying the config would change: updates, replacements that would fail, losses",
        description="Synthesizes the config and compares every stack with a previous cloud assembly or the "
        "deployed templates. Exit 0 every change deploys safely, 1 a change would fail or lose something, "
        "2 bad usage.",
    )
    p.add_argument("--config", metavar="PATH", help="config file (default: config/default.yaml)")
    p.add_argument(
        "--against",
        required=True,
        metavar="DIR|deployed",
        help="a cloud assembly directory (cdk.out of the last deploy, or tests/app/releases/<version>/<config>), "
        "or 'deployed': the templates CloudFormation holds (read-only calls with the current credentials)",
    )
    p.add_argument(
        "-c",
        "--context",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="CDK context as cdk deploy gets it (repeatable), over ./cdk.json's, "
        "e.g. -c ecr-ptc:pullThroughCacheRules=managed",
    )
    p.add_argument("--output", choices=("text", "json"), default="text", help="text lines, or one JSON document")
    p.set_defaults(func=run)
    return p


def _fail(err: TextIO, message: str, fix: str, code: int = 2) -> int:
    print(f"error: {message}.\n  Fix: {fix}", file=err)
    return code


def run(
    args: argparse.Namespace, stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None, session: Any = None
) -> int:
    """Run ``ecr-ptc plan``; returns the exit code (0 safe, 1 would fail or lose something, 2 bad usage).

    :param session: a boto3 session for ``--against deployed`` (default: the default session).
    """
    from ..config import ConfigError, load_config
    from ..plan.assembly import AssemblyError, read
    from ..plan.sources import SourceError, cdk_context

    out, err = stdout or sys.stdout, stderr or sys.stderr
    against = args.against
    if against != DEPLOYED and not Path(against).is_dir():
        return _fail(err, f"--against {against}: no such directory", "give a cdk.out directory, or 'deployed'")
    given = [item.partition("=") for item in getattr(args, "context", None) or []]
    if any(not key or not sep for key, sep, _ in given):
        return _fail(err, f"--context {args.context}: expected KEY=VALUE", "write -c key=value, once per key")
    try:
        config = load_config(args.config)
        context = {**cdk_context(Path.cwd()), **{key: value for key, _, value in given}}
        old = None if against == DEPLOYED else {n: s.template for n, s in read(against).items()}
    except ConfigError as exc:
        for line in exc.lines():
            print(f"error: {line}", file=err)
        return 2
    except (AssemblyError, SourceError) as exc:
        return _fail(err, str(exc), getattr(exc, "fix", "give the cdk.out directory of a synth (cdk synth)"))
    with tempfile.TemporaryDirectory(prefix="ecr-ptc-plan-") as outdir:
        new, code = _synthesize(config, Path(outdir), context, err)
    if new is None:
        return code
    gate = _lint(new)
    notes: list[str] = []
    if old is None:
        try:
            old, notes = _deployed(new, config, session)
        except SourceError as exc:
            return _fail(err, str(exc), exc.fix)
    return _report(config, against, old, new, notes, gate, args.output, out, err)


def _synthesize(config: Any, outdir: Path, context: dict, err: TextIO) -> tuple[Optional[dict], int]:
    from ecr_ptc.errors import ValidationError

    from ..plan.sources import synthesize

    try:
        return synthesize(config, outdir, context), 0
    except ValidationError as exc:  # a construct-time check the loader could not see
        return None, _fail(err, f"{config.file}: {exc}", getattr(exc, "fix", "see the README's config reference"))
    except Exception as exc:  # cdk-nag's findings stop the synth (jsii raises them as RuntimeError)
        return None, _fail(
            err,
            f"the new templates fail the cdk-nag gate: {exc}",
            "this config synthesizes with findings: report it, or run 'cdk synth' to see each one",
            code=1,
        )


def _lint(new: dict) -> list[str]:
    from ..plan.gates import cfn_lint_findings

    return [
        f"{name}: {line}" for name, s in new.items() for line in cfn_lint_findings(s.template, s.region or "us-east-1")
    ]


def _deployed(new: dict, config: Any, session: Any) -> tuple[dict[str, dict], list[str]]:
    import boto3

    from ..plan.sources import deployed, stack_instances, stack_set_of

    session = session or boto3.session.Session()
    found = deployed(new, session, session.region_name)
    notes = [f"{name}: not deployed yet (every resource is added)" for name in found.missing]
    notes += [
        f"{name}: not compared: it is in account {account}, these credentials are not; Fix: run plan again with "
        f"credentials of {account}"
        for name, account in found.elsewhere.items()
    ]
    info = stack_set_of(new)
    if info is not None and info.spoke in found.templates and config.organization is not None:
        count, why = stack_instances(config, session)
        notes.append(
            f"StackSet {info.name}: a change of {info.spoke} updates {count} stack instances"
            if count is not None
            else f"StackSet {info.name}: stack instances not counted ({why}); 'ecr-ptc org plan' with credentials "
            "that read AWS Organizations counts them"
        )
    templates = {name: found.templates.get(name, {"Resources": {}}) for name in new if name not in found.elsewhere}
    return templates, notes


def _report(
    config: Any, against: str, old: dict, new: dict, notes: list[str], gate: list[str], output: str, out, err
) -> int:
    from ..plan.classify import classify

    compared = {name: s.template for name, s in new.items() if name in old or against != DEPLOYED}
    stacks = classify(old, compared, {name: s.region for name, s in new.items() if s.region})
    spokes = {name for name, s in new.items() if s.nested}
    refused = [(s.stack, c) for s in stacks for c in s.refused]
    unknown = any("not compared" in note for note in notes)
    code = 1 if refused or gate or unknown else 0
    if output == "json":
        out.write(json.dumps(_document(config.file, against, stacks, spokes, notes, gate, code), indent=2) + "\n")
    else:
        out.write(_text(config.file, against, stacks, spokes, notes))
    for line in gate:
        print(f"problem: cfn-lint: {line}.\n  Fix: report it: a config validate accepts must lint clean", file=err)
    for stack, change in refused:
        print(f"problem: {stack} {change.logical_id}: {change.problem or change.loss}.\n  Fix: {change.fix}", file=err)
    return code


def _document(file: str, against: str, stacks: list, spokes: set[str], notes: list[str], gate: list[str], code: int):
    return {
        "schemaVersion": SCHEMA_VERSION,
        "config": file,
        "against": against,
        "stacks": [
            {
                "stack": s.stack,
                "status": s.status,
                "deployedByStackSet": s.stack in spokes,
                "changes": [{**asdict(c), "refused": c.refused} for c in s.changes],
            }
            for s in stacks
        ],
        "notes": notes,
        "cfnLint": gate,
        "exitCode": code,
    }


def _text(file: str, against: str, stacks: list, spokes: set[str], notes: list[str]) -> str:
    lines = [f"{file}: plan against {against}"]
    for s in stacks:
        counts: dict[str, int] = {}
        for change in s.changes:
            counts[change.action] = counts.get(change.action, 0) + 1
        summary = ", ".join(f"{n} {action}" for action, n in counts.items()) or s.status
        by = " (deployed by the StackSet to every stack instance)" if s.stack in spokes else ""
        lines.append(f"{s.stack}{by}: {summary}")
        if s.status == "removed":
            lines.append(
                f"    not in this config: cdk deploy leaves it deployed; once nothing uses it: cdk destroy {s.stack}"
            )
        for change in s.changes:
            detail = f": {', '.join(change.properties)}" if change.properties else ""
            lines.append(f"  {change.action:<9} {change.logical_id} ({change.type}){detail}")
            if change.refused:
                lines.append(f"    {change.problem or 'loses: ' + str(change.loss)}")
                if change.problem and change.loss:
                    lines.append(f"    loses: {change.loss}")
                lines.append(f"    Fix: {change.fix}")
    lines += [f"note: {note}" for note in notes]
    refused = sum(len(s.refused) for s in stacks)
    lines.append(
        f"{refused} change(s) would fail or lose something" if refused else "every change deploys: no failure, no loss"
    )
    return "\n".join(lines) + "\n"
