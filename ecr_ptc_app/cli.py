"""`ecr-ptc`: check a config, warm a cache and the day-two commands (the list: ``commands.COMMANDS``).
Exit 0 ok, 1 failed, 2 bad input."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence

from .commands import COMMANDS


def version() -> str:
    """The installed ecr-ptc's version: ``ecr_ptc.__version__``, the one source (no jsii start)."""
    from ecr_ptc import __version__

    return __version__


def parser() -> argparse.ArgumentParser:
    """The ``ecr-ptc`` argument parser: one subcommand per module of ``ecr_ptc_app.commands``."""
    names = ", ".join(command.__name__.rsplit(".", 1)[-1] for command in COMMANDS)
    top = argparse.ArgumentParser(
        prog="ecr-ptc",
        description=f"An ECR pull-through cache from one config file: {names}. Exit 0 ok, 1 failed, 2 bad input.",
    )
    top.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = top.add_subparsers(dest="command", required=True)
    for command in COMMANDS:  # ecr_ptc_app/commands/<name>.py, one per command
        command.add_parser(sub)
    return top


def main(argv: Optional[Sequence[str]] = None) -> int:
    """The ``ecr-ptc`` console script: runs the subcommand ``argv`` names and returns its exit code."""
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except BrokenPipeError:  # `ecr-ptc ... | head`: the reader left; not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0


if __name__ == "__main__":
    sys.exit(main())
