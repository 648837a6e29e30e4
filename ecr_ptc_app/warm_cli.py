"""``ecr-ptc warm``: warm images into the caller's ECR pull-through cache or any OCI registry cache.

Exit codes: 0 all warmed, 1 any image failed (each with its reason), 2 bad usage or config.
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from typing import Optional, Sequence, TextIO

DEFAULT_CONCURRENCY = 8
DEFAULT_TIMEOUT = 3600.0


# What to do about the botocore errors a first run meets most (by class name: botocore loads lazily).
AWS_SETUP_FIXES = {
    "NoRegionError": "set AWS_REGION (or a profile's region) to the Region of the cache, "
                     "or give --registry URL for another registry",
    "NoCredentialsError": "configure AWS credentials (aws configure, AWS_PROFILE or SSO login) for the "
                          "cache's account, or give --registry URL for another registry",
}


class UsageError(Exception):
    pass


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "warm", help="pull images through the cache so that it holds them",
        description="Pull each image's manifests and blobs through the pull-through cache. Without --registry: "
                    "the caller's Amazon ECR registry (default AWS credentials and Region), blobs touched "
                    "without moving bytes. With --registry: any OCI registry cache, every blob read to the end.")
    p.add_argument("images", nargs="*", metavar="IMAGE", help="<prefix>/<repository>:<tag> (default: the config's warm.images)")
    p.add_argument("--config", metavar="PATH", help="config file for warm.images and warm.platforms")
    p.add_argument("--registry", metavar="URL", help="a generic OCI registry (https, or http on loopback)")
    p.add_argument("--username", help="basic-auth user for --registry")
    p.add_argument("--password", help="basic-auth password for --registry (or env ECR_PTC_PASSWORD)")
    p.add_argument("--platform", action="append", default=[], metavar="OS/ARCH",
                   help="warm only this platform (repeatable; default: all platforms of each image)")
    p.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY, metavar="N",
                   help=f"images warmed at once (default {DEFAULT_CONCURRENCY})")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help="overall deadline for the whole run (default %(default)s)")
    p.add_argument("--request-timeout", type=float, default=30.0, metavar="SECONDS", help=argparse.SUPPRESS)
    p.add_argument("--verbose", action="store_true", help="JSON log lines on stderr")
    p.set_defaults(func=run)
    return p


class _Progress:
    """One status per image on stderr: redrawn in place on a TTY, else one line per state change."""

    def __init__(self, images: Sequence[str], stream: TextIO) -> None:
        self.stream, self.images = stream, list(images)
        self.state = {i: "waiting" for i in self.images}
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.lock = threading.Lock()
        self.drawn = False
        self.width = max((len(i) for i in self.images), default=0)

    def __call__(self, image: str, state: str) -> None:
        with self.lock:
            if image not in self.state:
                return
            if self.state[image] == state:
                return
            self.state[image] = state
            if not self.tty:
                print(f"{image}: {state}", file=self.stream, flush=True)
                return
            if self.drawn:
                self.stream.write(f"\x1b[{len(self.images)}A")
            for i in self.images:
                self.stream.write(f"\x1b[2K{i.ljust(self.width)}  {self.state[i]}\n")
            self.stream.flush()
            self.drawn = True


def _human(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _table(outcomes, out: TextIO) -> None:
    rows = [("IMAGE", "DIGEST", "PLATFORMS", "BYTES", "SECONDS", "RESULT")]
    for o in outcomes:
        r = o.result
        rows.append((o.image, r.digest if r else "-", ",".join(r.platforms) or "-" if r else "-",
                     _human(r.bytes_read) if r else "-", f"{o.seconds:.1f}",
                     "ok" if o.ok else f"FAILED ({o.error.reason}): {o.error}"))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row[:5], widths, strict=True)) + "  " + row[5], file=out)


def _images_and_platforms(args) -> tuple[list[str], list[str]]:
    if args.images:
        return list(args.images), list(args.platform)
    try:
        from ecr_ptc_app.config import load_config
    except ImportError as exc:
        raise UsageError(f"no IMAGE given and the config loader is unavailable ({exc})") from None
    try:
        config = load_config(args.config)
    except Exception as exc:  # ConfigError and friends: already written for people
        raise UsageError(f"config: {exc}") from None
    warm_cfg = getattr(config, "warm", None)
    if not warm_cfg or not warm_cfg.images:
        raise UsageError("no IMAGE given and the config has no warm.images")
    return list(warm_cfg.images), list(args.platform or warm_cfg.platforms or [])


def _client(args):
    from cache_warmer import ecr
    from cache_warmer.registry import Credentials, RegistryClient

    if args.registry:
        password = args.password if args.password is not None else os.environ.get("ECR_PTC_PASSWORD")
        if bool(args.username) != bool(password):
            raise UsageError("--username and --password go together")
        creds = Credentials(args.username, password) if args.username else None
        try:
            return RegistryClient(args.registry, creds, timeout=args.request_timeout), "stream"
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if args.username or args.password:
        raise UsageError("--username/--password apply only with --registry (ECR uses your AWS credentials)")
    return ecr.registry_client(ecr.client(), timeout=args.request_timeout), "ecr"


def run(args, stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None) -> int:
    """Run ``ecr-ptc warm``; returns the exit code (0 all warmed, 1 any failed, 2 bad usage or config)."""
    from cache_warmer import logs

    out, err = stdout or sys.stdout, stderr or sys.stderr
    previous = logs.configure(err, enabled=bool(getattr(args, "verbose", False)))
    try:
        return _run(args, out, err)
    finally:
        logs.configure(*previous)


def _run(args, out: TextIO, err: TextIO) -> int:
    from cache_warmer import errors, logs, warm
    from cache_warmer.refs import parse_image, parse_platform

    try:
        if args.password:
            logs.register_secret(args.password)
        if args.concurrency < 1:
            raise UsageError("--concurrency must be at least 1")
        images, platforms = _images_and_platforms(args)
        try:
            refs = [parse_image(i) for i in images]
            selected = [parse_platform(p) for p in platforms]
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        client, mode = _client(args)
    except UsageError as exc:
        print(f"ecr-ptc warm: error: {logs.redact(str(exc))}", file=err)
        return 2
    except errors.WarmError as exc:  # e.g. GetAuthorizationToken denied
        print(f"ecr-ptc warm: error: {exc}", file=err)
        return 1
    except Exception as exc:  # no AWS credentials or Region, and the like
        print(f"ecr-ptc warm: error: {logs.redact(f'{type(exc).__name__}: {exc}')}", file=err)
        fix = AWS_SETUP_FIXES.get(type(exc).__name__)
        if fix:
            print(f"  Fix: {fix}", file=err)
        return 2
    names = [str(r) for r in refs]
    progress = _Progress(names, err)
    outcomes = warm.warm_many(client, refs, selected, mode=mode, deadline=time.monotonic() + args.timeout,
                              concurrency=args.concurrency, progress=progress)
    if mode == "ecr":
        from cache_warmer import ecr

        ecr_api = None
        for o in outcomes:
            if o.error:
                ecr_api = ecr_api or ecr.client()
                o.error = ecr.explain(o.error, parse_image(o.image), ecr_api)
    _table(outcomes, out)
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        text = str(o.error)  # most errors already start with the image
        print(f"ecr-ptc warm: {text if text.startswith(o.image) else f'{o.image}: {text}'}", file=err)
    return 1 if failed else 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="ecr-ptc")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["warm", *(sys.argv[1:] if argv is None else argv)])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
