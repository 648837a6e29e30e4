"""``ecr-ptc rewrite``: point the image references of Kubernetes manifests, Helm values and Compose files at the cache.

Prints a unified diff by default; ``--in-place`` writes the files. Only the references change: comments, key
order, quoting and layout stay as they are (see ``ecr_ptc_app.rewrite.engine``). Exit codes: 0 nothing to change,
1 changes found (or made, with ``--in-place``), or a reference a rule's allow or deny list refuses (left as it
is, named with the rule and the list; with ``--strict`` also references no rule covers), 2 errors:
bad usage or config, no registry, or a file that cannot be read or parsed (reported, left untouched; the other
files are still done). The diff goes to stdout; notes, errors and the summary to stderr. ``--warm`` then warms
the images of the rewritten references (``ecr_ptc_app.warm_from``): its table to stderr, its exit code merged.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Optional, TextIO


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "rewrite",
        help="point image references in manifests, Helm values and Compose files at the cache (diff or in place)",
        description="Rewrite image references (containers, init and ephemeral containers of every workload kind, "
        "CronJob templates, Helm image: strings and repository/tag maps, Compose services) to the pull-through "
        "cache. Prints a unified diff unless --in-place. Exit 0 nothing to change, 1 changes found, 2 errors.",
    )
    p.add_argument("paths", nargs="+", metavar="FILE", help="YAML files, or directories (their *.yaml and *.yml)")
    p.add_argument("--config", metavar="PATH", help="config file (default: config/default.yaml)")
    p.add_argument(
        "--registry",
        metavar="HOST",
        help="the cache registry, <account>.dkr.ecr.<region>.amazonaws.com (default: that of the AWS credentials)",
    )
    p.add_argument("--in-place", action="store_true", help="write the changes into the files instead of a diff")
    p.add_argument(
        "--strict", action="store_true", help="exit 1 also for references no rule covers (they bypass the cache)"
    )
    p.add_argument("--quiet", action="store_true", help="no notes, only errors and the summary")
    p.add_argument(
        "--warm",
        action="store_true",
        help="then warm the images the rewritten references pull, as ecr-ptc warm --config does (in the hub "
        "with organization); its table on stderr, a failed warm exits 1",
    )
    p.set_defaults(func=run)
    return p


def _write(path: Path, text: str) -> None:
    """Write the file's new content where it lives, keeping what it is: through a symbolic link to its target (the link
    stays a link), in place for a file with hard links (its inode, and so every link, kept), else atomically by
    rename with the mode and, where allowed, the owner of the old file."""
    data = text.encode("utf-8")
    real = path.resolve()
    info = real.stat()
    if info.st_nlink > 1:
        with open(real, "r+b") as f:
            f.write(data)
            f.truncate()
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", dir=real.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        shutil.copymode(real, tmp)
        try:
            os.chown(tmp, info.st_uid, info.st_gid)
        except PermissionError:  # a file of another owner: kept the writer's, as any editor does
            pass
        os.replace(tmp, real)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _in_run(path: Path, run_set: set[Path]):
    """Whether a kustomization's local resource (a file, or a directory) is among the files of this run."""

    def rewritten(resource: str) -> bool:
        target = (path.resolve().parent / resource).resolve()
        if target.is_dir():
            return any(target in f.parents for f in run_set)
        return target in run_set or not target.exists()  # a missing one is kustomize's error, not ours

    return rewritten


def run(args: argparse.Namespace, stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None) -> int:
    """Run ``ecr-ptc rewrite``; returns the exit code (0 nothing to change, 1 changes found, 2 errors)."""
    from ..rewrite.diff import unified_diff
    from ..rewrite.engine import RewriteError, rewrite
    from ..rewrite.files import Refused, files
    from ..rewrite.target import CommandError, target
    from ..warm_from import Scanned

    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        where = target(args.config, args.registry)
    except CommandError as exc:
        print(f"ecr-ptc rewrite: error: {exc}", file=err)
        if exc.fix:
            print(f"  Fix: {exc.fix}", file=err)
        return 2
    for warning in where.warnings:
        print(f"warning: {warning}", file=err)
    errors = changed_files = unchanged_files = changes = uncovered = not_allowed = 0
    rewritten = []  # --warm: the rewritten references of each file
    todo = list(files(args.paths, err, args.quiet))
    run_set = {p.resolve() for p in todo if isinstance(p, Path)}
    for path in todo:
        if isinstance(path, Refused):
            errors += 1
            print(f"ecr-ptc rewrite: error: {path}", file=err)
            print(
                "  Fix: render the chart first (helm template ... > rendered.yaml) and rewrite that, or rewrite the "
                "chart's values file",
                file=err,
            )
            continue
        try:
            raw = path.read_bytes()
            text = raw.decode("utf-8")
            in_run = _in_run(path, run_set)
            new, plan = rewrite(text, where.rules, where.registry, where.config.file, path.name, in_run)
        except (OSError, UnicodeDecodeError, RewriteError) as exc:
            errors += 1
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            print(f"ecr-ptc rewrite: error: {path}: {reason}; left untouched", file=err)
            print("  Fix: give a readable UTF-8 YAML file (render Helm templates first: helm template)", file=err)
            continue
        if path.is_symlink() and not args.quiet:
            print(f"{path}: a symbolic link: its target {path.resolve()} is what is rewritten", file=err)
        for note in plan.notes:
            if note.kind == "uncovered":
                uncovered += 1
            if note.kind == "not-allowed":
                not_allowed += 1
            if not args.quiet and note.kind != "change":
                print(f"{path}:{note.line}: {note.written}: {note.message}", file=err)
        if new == text:
            unchanged_files += 1
            continue
        changed_files += 1
        changes += len(plan.changes)
        changed = {(n.line, n.written) for n in plan.changes}
        rewritten.append(Scanned(path, tuple(f for f in plan.found if (f.line, f.written) in changed)))
        if args.in_place:
            try:
                _write(path, new)
            except OSError as exc:
                errors += 1
                print(f"ecr-ptc rewrite: error: {path}: cannot write ({exc.strerror}); left untouched", file=err)
                continue
        else:
            shown = Path(os.path.relpath(path.resolve())) if path.is_symlink() else path  # git apply keeps links
            out.writelines(unified_diff(text, plan.edits, f"a/{shown}", f"b/{shown}"))
    done = "rewritten" if args.in_place else "to rewrite"
    print(
        f"ecr-ptc rewrite: {changes} reference(s) {done} in {changed_files} file(s), {unchanged_files} file(s) "
        f"unchanged, {uncovered} reference(s) no rule covers, {errors} error(s)"
        + (
            f", {not_allowed} reference(s) the rules' allow/deny lists refuse (left as they are)" if not_allowed else ""
        ),
        file=err,
    )
    code = 2 if errors else 1 if changes or not_allowed or (args.strict and uncovered) else 0
    return max(code, _warm(rewritten, where.config, err)) if args.warm else code


def _warm(rewritten: list, config, err: TextIO) -> int:
    """``--warm``: ``ecr-ptc warm --config <config> IMAGE...`` for the images the rewritten references pull (in the
    hub with ``organization``); its table and errors go to ``err``, so stdout keeps the diff. Returns warm's exit
    code (0 when nothing was rewritten)."""
    from ..warm_from import report, select
    from .warm import add_parser as add_warm
    from .warm import run as warm

    selection = select(rewritten, config, ())
    report(selection, rewritten, err, "rewrite")
    if not selection.images:
        return 0
    parser = argparse.ArgumentParser(prog="ecr-ptc")
    add_warm(parser.add_subparsers())
    args = parser.parse_args(["warm", "--config", str(config.file), *(str(i) for i in selection.images)])
    return warm(args, stdout=err, stderr=err)
