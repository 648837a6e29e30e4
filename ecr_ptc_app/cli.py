"""`ecr-ptc`: check a config (`validate`) and warm a cache (`warm`). Exit 0 ok, 1 failed, 2 bad input."""
from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from .config import AppConfig, ConfigError, load_config


def summary(config: AppConfig) -> str:
    lines = [f"{config.file}: OK"]
    for rule in config.rules:
        auth = " (credentials)" if rule.credentials else ""
        lines.append(f"  rule {rule.prefix}/ -> {rule.upstream_url}{auth}")
    envs = ", ".join(f"{e.account or '(deploying account)'}/{e.region}" for e in config.environments) or "environment-agnostic"
    lines.append(f"  stacks: {envs}")
    if config.warm:
        lines.append(f"  warm: {len(config.warm.images)} image(s)")
    if config.workstation:
        lines.append(f"  workstation: {config.workstation.kind}")
    return "\n".join(lines)


def validate(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.path)
    except ConfigError as err:
        for line in err.lines():
            print(f"error: {line}", file=sys.stderr)
        if len(err.problems) > 1:
            print(f"{len(err.problems) + err.omitted} mistakes in {err.file}", file=sys.stderr)
        return 2
    if args.quiet:  # `make synth`: cdk synth prints the same warnings from the constructs
        return 0
    for warning in config.warnings:
        print(f"warning: {config.file}: {warning}", file=sys.stderr)
    print(summary(config))
    return 0


def version() -> str:
    from importlib.metadata import PackageNotFoundError, version as dist_version

    try:
        return dist_version("ecr-ptc")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="ecr-ptc", description=__doc__)
    top.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = top.add_subparsers(dest="command", required=True)
    check = sub.add_parser("validate", help="check a config file without writing templates")
    check.add_argument("path", nargs="?", help="config file (default: config/default.yaml)")
    check.add_argument("--quiet", action="store_true", help="print errors only (no summary, no warnings)")
    check.set_defaults(func=validate)
    from . import warm_cli  # imported here: it pulls in the warming runtime

    warm_cli.add_parser(sub)
    return top


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
