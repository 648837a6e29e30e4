"""``ecr-ptc purge``: list the repositories the cache created, and delete them only with ``--yes``.

Only repositories under the cache's prefixes (the config's rules, or ``--prefix`` paths beneath them) are
listed, with image count, size and last pull; nothing else is ever named in a call, and a ``ROOT`` rule is
never purged (its repositories cannot be told from the registry's others). Without ``--yes`` it is a dry
run. Exit codes: 0 done (or nothing to do), 1 a listing or a deletion failed (each reported), 2 bad usage,
a bad config, or no AWS credentials or Region. The runtime (``ecr_ptc_runtime.purge``, boto3) and the
config loader load inside ``run``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, Optional, TextIO

DEFAULT_TIMEOUT = 3600.0


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "purge",
        help="list (and with --yes delete) the repositories the cache created under its prefixes",
        description="List the repositories under the cache's prefixes with their image count, size and last pull; "
        "with --yes delete them and their images. Never touches a repository outside the prefixes, nor under a "
        "ROOT rule.",
    )
    p.add_argument("--config", metavar="PATH", help="config file (default: config/default.yaml)")
    p.add_argument(
        "--prefix",
        action="append",
        default=[],
        metavar="P",
        help="only this rule prefix, or a path beneath one (repeatable; default: every rule prefix but ROOT)",
    )
    p.add_argument(
        "--unpulled-days",
        type=int,
        metavar="N",
        help="only repositories nobody pulled for N days or more (never pulled: counted from creation)",
    )
    p.add_argument("--yes", action="store_true", help="delete them (default: a dry run that only lists)")
    p.add_argument("--output", choices=("text", "json"), default="text", help="text (a table) or json")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS", help=argparse.SUPPRESS)
    p.set_defaults(func=run)
    return p


class UsageError(Exception):
    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


def _error(err: TextIO, message: str, fix: Optional[str] = None) -> None:
    print(f"ecr-ptc purge: error: {message}", file=err)
    if fix:
        print(f"  Fix: {fix}", file=err)


def prefixes_to_purge(rule_prefixes: list[str], asked: list[str]) -> list[str]:
    """The prefixes to list: every rule prefix but ROOT, or the asked ones, each a rule prefix or beneath one."""
    own = [p for p in rule_prefixes if p != "ROOT"]
    if not asked:
        if not own:
            raise UsageError(
                "the config's only rule is ROOT: its repositories cannot be told from the registry's others",
                "delete them by hand (aws ecr delete-repository), or give the rules prefixes",
            )
        return own
    out = []
    for given in asked:
        clean = given.strip().strip("/")
        if not any(clean == p or clean.startswith(p + "/") for p in own):
            raise UsageError(
                f"--prefix {given!r} is not a rule prefix of the config, nor beneath one (ROOT never counts)",
                f"use one of: {', '.join(own) or 'none'} (or a path beneath one, e.g. {own[0] + '/library' if own else 'team/app'})",
            )
        out.append(clean)
    return list(dict.fromkeys(out))


def _human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


def _table(repositories: list, out: TextIO) -> None:
    rows = [("REPOSITORY", "IMAGES", "SIZE", "LAST PULL")]
    rows += [
        (r.name, str(r.images), _human(r.size_bytes), r.last_pull.strftime("%Y-%m-%d") if r.last_pull else "never")
        for r in repositories
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row[:3], widths, strict=True)) + "  " + row[3], file=out)


def run(
    args: argparse.Namespace, stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None, ecr: Any = None
) -> int:
    """Run ``ecr-ptc purge``; returns the exit code (0 done, 1 some listing or deletion failed, 2 bad input).

    :param ecr: an ECR client (tests pass a stubbed one; default: boto3's, in AWS_REGION)."""
    from ecr_ptc_runtime import logs

    out, err = stdout or sys.stdout, stderr or sys.stderr
    previous = logs.configure(err, enabled=False)  # the runtime's JSON log lines: not for a terminal
    try:
        return _run(args, out, err, ecr)
    finally:
        logs.configure(*previous)


def _run(args: argparse.Namespace, out: TextIO, err: TextIO, ecr: Any) -> int:
    from ecr_ptc_runtime import purge
    from ecr_ptc_runtime.ecr import BotoCoreError, ClientError, _error_code

    try:
        if args.unpulled_days is not None and args.unpulled_days < 0:
            raise UsageError(f"--unpulled-days {args.unpulled_days} is negative", "give 0 or more days")
        from ..config import ConfigError, load_config

        try:
            config = load_config(args.config)
        except ConfigError as exc:
            raise UsageError(f"config: {exc}", "correct the config (ecr-ptc validate PATH)") from None
        prefixes = prefixes_to_purge([r.prefix for r in config.rules], list(args.prefix))
        if ecr is None:
            from ecr_ptc_runtime.ecr import client

            ecr = client()
    except UsageError as exc:
        _error(err, str(exc), exc.fix)
        return 2
    except Exception as exc:  # noqa: BLE001 - no Region or credentials: said plainly, never a traceback
        _error(err, f"{type(exc).__name__}: {exc}", "set AWS_REGION and AWS credentials for the cache's account")
        return 2
    deadline = time.monotonic() + args.timeout
    try:
        found = purge.list_cache_repositories(ecr, prefixes, deadline=deadline)
    except (ClientError, BotoCoreError) as exc:
        _error(
            err,
            f"listing the repositories failed: {_error_code(exc)}: {exc}",
            "allow ecr:DescribeRepositories and ecr:DescribeImages on the cache's repositories, and retry",
        )
        return 1
    if args.unpulled_days is not None:
        found = purge.unpulled(found, args.unpulled_days, purge.now_utc())
    deletions: list = []
    if args.output == "text":
        _table(found, out)
    if args.yes and found:

        def report(d: Any) -> None:
            if args.output == "text":
                print(f"{d.repository}: {'deleted' if d.deleted else f'NOT deleted ({d.error})'}", file=err)

        deletions = purge.delete_repositories(ecr, found, prefixes, deadline=deadline, report=report)
    elif args.output == "text":
        what = f"{len(found)} repositories" if found else "no repositories"
        tail = "; run again with --yes to delete them and their images" if found else ""
        print(f"dry run: {what} under {', '.join(p + '/' for p in prefixes)}{tail}", file=err)
    if args.output == "json":
        by_name = {d.repository: d for d in deletions}
        rows = []
        for r in found:
            row = r.as_json()
            if r.name in by_name:
                row.update(deleted=by_name[r.name].deleted, error=by_name[r.name].error)
            rows.append(row)
        json.dump({"prefixes": prefixes, "dryRun": not args.yes, "repositories": rows}, out, indent=2)
        out.write("\n")
    failed = [d for d in deletions if not d.deleted]
    for d in failed:
        _error(err, f"{d.repository}: not deleted ({d.error})", "check ecr:DeleteRepository on it, and run purge again")
    return 1 if failed else 0
