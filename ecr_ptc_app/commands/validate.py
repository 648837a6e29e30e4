"""``ecr-ptc validate``: check a config file without writing templates.

Exit codes: 0 valid (a summary on stdout, warnings on stderr), 2 mistakes (each on stderr with its ``Fix:`` line).
Only the config loader is imported, inside ``run``: no CDK runtime (jsii) and no warming runtime.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Optional, TextIO

if TYPE_CHECKING:
    from ..config import AppConfig


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("validate", help="check a config file without writing templates")
    p.add_argument("path", nargs="?", help="config file (default: config/default.yaml)")
    p.add_argument("--quiet", action="store_true", help="print errors only (no summary, no warnings)")
    p.set_defaults(func=run)
    return p


def summary(config: AppConfig) -> str:
    lines = [f"{config.file}: OK"]
    for rule in config.rules:
        auth = " (credentials)" if rule.credentials else ""
        lists = ", ".join(f"{name}: {len(getattr(rule, name))}" for name in ("allow", "deny") if getattr(rule, name))
        lines.append(f"  rule {rule.prefix}/ -> {rule.upstream_url}{auth}" + (f" [{lists}]" if lists else ""))
    envs = (
        ", ".join(f"{e.account or '(deploying account)'}/{e.region}" for e in config.environments)
        or "environment-agnostic"
    )
    if config.organization:  # the hub's cache stack, then the StackSet's own stack
        where = config.organization.stack_set
        envs = f"{envs} (hub), {where.account}/{where.region} (StackSet)"
    lines.append(f"  stacks: {envs}")
    if config.repositories and config.repositories.delete_on_stack_delete:
        lines.append("  deleteOnStackDelete: deleting the stack deletes every repository under the prefixes")
    if config.warm:
        schedule = f", re-warmed on {config.warm.schedule}" if config.warm.schedule else ""
        lines.append(f"  warm: {len(config.warm.images)} image(s){schedule}")
    if config.monitoring:
        notify = config.monitoring.topic_arn or ", ".join(config.monitoring.email) or "nobody"
        board = ", dashboard" if config.monitoring.dashboard else ""
        lines.append(f"  monitoring: alarms to {notify}{board}")
    if config.organization:
        from ecr_ptc.organization.settings import miss_prefixes  # no CDK

        org = config.organization
        forwarded = miss_prefixes(config.rules, org)
        lines.append(
            f"  organization: hub {org.hub.account}/{org.hub.region}; spokes in "
            f"{len(org.targets.organizational_units)} OU(s) x {len(org.targets.regions)} Region(s); "
            + (f"misses under {len(forwarded)} prefix(es) filled in the hub" if forwarded else "no miss forwarding")
        )
    if config.workstation:
        lines.append(f"  workstation: {config.workstation.kind.value}")
    return "\n".join(lines)


def run(args: argparse.Namespace, stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None) -> int:
    """Run ``ecr-ptc validate``; returns the exit code (0 valid, 2 mistakes in the config)."""
    from ..config import ConfigError, load_config

    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        config = load_config(args.path)
    except ConfigError as exc:
        for line in exc.lines():
            print(f"error: {line}", file=err)
        if len(exc.problems) > 1:
            print(f"{len(exc.problems) + exc.omitted} mistakes in {exc.file}", file=err)
        return 2
    if args.quiet:  # `make synth`: cdk synth prints the same warnings from the constructs
        return 0
    for warning in config.warnings:
        print(f"warning: {config.file}: {warning}", file=err)
    print(summary(config), file=out)
    return 0
