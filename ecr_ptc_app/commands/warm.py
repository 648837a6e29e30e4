"""``ecr-ptc warm``: warm images into the caller's ECR pull-through cache (the hub's, for a config with
``organization``) or any OCI registry cache; ``--from`` adds what manifests pull (``ecr_ptc_app.warm_from``).

Exit codes: 0 all warmed, 1 any image failed (each with its reason), 2 bad usage or config.
The table of results goes to stdout; progress and errors (with a ``Fix:`` line where one is known) to stderr.
Only the standard library is imported here: the warming runtime (``ecr_ptc_runtime``, boto3) and the config
loader load inside ``run``, so ``ecr-ptc validate`` and ``ecr-ptc --help`` never pay for them.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import threading
import time
from typing import Any, Optional, Sequence, TextIO

DEFAULT_CONCURRENCY = 8
DEFAULT_TIMEOUT = 3600.0


# What to do about the botocore errors a first run meets most (by class name: botocore loads lazily).
AWS_SETUP_FIXES = {
    "NoRegionError": "set AWS_REGION (or a profile's region) to the Region of the cache, "
    "or give --registry URL for another registry",
    "NoCredentialsError": "configure AWS credentials (aws configure, AWS_PROFILE or SSO login) for the "
    "cache's account, or give --registry URL for another registry",
}
# For every botocore error that means the ECR API endpoint could not be reached or did not answer.
UNREACHABLE_FIX = (
    "check that this machine can reach the Amazon ECR API (network, firewall, proxy settings "
    "HTTPS_PROXY/NO_PROXY), that AWS_REGION names the cache's Region (and AWS_ENDPOINT_URL_ECR, "
    "if set, is right), or give --registry URL for another registry"
)


class UsageError(Exception):
    """Bad usage or config: exit 2, with what to do about it."""

    def __init__(self, message: str, fix: str = "see ecr-ptc warm --help") -> None:
        super().__init__(message)
        self.fix = fix


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "warm",
        help="pull images through the cache so that it holds them",
        description="Pull each image's manifests and blobs through the pull-through cache. Without --registry: "
        "the caller's Amazon ECR registry (the hub's for a config with organization; default AWS credentials), "
        "blobs touched without moving bytes; the table's BEFORE column holds the digest ECR held before when a tag moved. "
        "With --registry: any OCI registry cache, every blob read to the end.",
    )
    p.add_argument(
        "images", nargs="*", metavar="IMAGE", help="<prefix>/<repository>:<tag> (default: the config's warm.images)"
    )
    p.add_argument(
        "--config",
        metavar="PATH",
        help="config file: its warm.images when no IMAGE is given, its warm.platforms when no "
        "--platform is given (default without IMAGE: config/default.yaml)",
    )
    p.add_argument(
        "--from",
        dest="from_paths",
        action="extend",
        nargs="+",
        default=[],
        metavar="FILE|DIR",
        help="also warm the images these Kubernetes manifests, Helm values and Compose files pull (what rewrite "
        "finds; directories walked), those a rule of the config covers",
    )
    p.add_argument(
        "--registry",
        metavar="URL",
        help="a generic OCI registry's base URL (https, or http on loopback; a trailing /v2/ is dropped)",
    )
    p.add_argument("--username", help="basic-auth user for --registry")
    p.add_argument("--password", help="basic-auth password for --registry (or env ECR_PTC_PASSWORD)")
    p.add_argument(
        "--platform",
        action="append",
        default=[],
        metavar="OS/ARCH",
        help="warm only this platform (repeatable; default: all platforms of each image)",
    )
    p.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"images warmed at once (default {DEFAULT_CONCURRENCY})",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="overall deadline for the whole run (default %(default)s)",
    )
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
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


def before_text(refreshed) -> str:
    """The BEFORE column: the digest ECR held before the run when the tag moved, else what happened to it."""
    if refreshed is None:
        return "-"  # --registry: a generic registry cache cannot be asked
    if refreshed.moved:
        return refreshed.before.digest
    if refreshed.outcome.result is None:
        return "-"
    if not refreshed.before.known:
        return "?"
    return "same" if refreshed.before.digest == refreshed.after else "new"


def _table(outcomes, out: TextIO, before: Optional[dict] = None) -> None:
    """One row per image: IMAGE, DIGEST (now), BEFORE (the old digest of a moved tag, 'same', 'new', '?' when
    ECR could not be asked, '-' for --registry), PLATFORMS, BYTES, SECONDS, RESULT."""
    rows = [("IMAGE", "DIGEST", "BEFORE", "PLATFORMS", "BYTES", "SECONDS", "RESULT")]
    for o in outcomes:
        r = o.result
        rows.append(
            (
                o.image,
                r.digest if r else "-",
                before_text((before or {}).get(o.image)),
                ",".join(r.platforms) or "-" if r else "-",
                _human(r.bytes_read) if r else "-",
                f"{o.seconds:.1f}",
                "ok" if o.ok else f"FAILED ({o.error.reason}): {o.error}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(6)]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row[:6], widths, strict=True)) + "  " + row[6], file=out)


def _load_config(path: Optional[str]):
    try:
        from ecr_ptc_app.config import load_config
    except ImportError as exc:
        raise UsageError(
            f"the config loader is unavailable ({exc})", "reinstall ecr-ptc (pip install ecr-ptc)"
        ) from None
    try:
        return load_config(path)
    except Exception as exc:  # ConfigError and friends: already written for people
        raise UsageError(f"config: {exc}") from None


def _images_and_platforms(args) -> tuple[list[str], list[str], Any]:
    """Images: the command line's (and --from's, read later), else the config's warm.images. Platforms:
    --platform, else the config's warm.platforms. A config given with --config is always loaded, so a bad one
    is never ignored. Returns (images, platforms, config or None): the config's rules' allow and deny lists the
    images must pass, its Region, its organization's hub."""
    config = _load_config(args.config) if args.config or args.from_paths or not args.images else None
    warm_cfg = getattr(config, "warm", None)
    if args.images or args.from_paths:
        images = list(args.images)
    elif warm_cfg and warm_cfg.images:
        images = list(warm_cfg.images)
    else:
        raise UsageError(
            "no IMAGE given and the config has no warm.images",
            "give images, e.g. ecr-ptc warm docker-hub/library/nginx:1.27, or add warm.images to the config",
        )
    return images, list(args.platform or (warm_cfg.platforms if warm_cfg else None) or []), config


def refused_images(refs, rules) -> list[str]:
    """What the rules' allow and deny lists say against each image (none without lists): checked before any
    call, as the policies would deny the import."""
    from ecr_ptc_runtime.allow import repository_refusal

    return [f"{ref}: {why}" for ref in refs if (why := repository_refusal(rules, ref.repository)) is not None]


def _check_numbers(args) -> None:
    if args.concurrency < 1:
        raise UsageError(
            "--concurrency must be at least 1", f"give --concurrency 1 or more (default {DEFAULT_CONCURRENCY})"
        )
    for flag, value in (("--timeout", args.timeout), ("--request-timeout", args.request_timeout)):
        if not (math.isfinite(value) and value > 0):
            raise UsageError(
                f"{flag} must be a positive number of seconds, got {value:g}", f"give {flag} SECONDS, e.g. {flag} 60"
            )


def registry_url(url: str) -> str:
    """The registry's base URL: people paste the API root (``http://host:5000/v2/``); requests add /v2/ themselves."""
    base = url.strip().rstrip("/")
    if base.endswith("/v2"):
        base = base[: -len("/v2")].rstrip("/")
    return base


def _client(args, config=None):
    from ecr_ptc_app.warm_from import ecr_clients
    from ecr_ptc_runtime.oci_client import Credentials, RegistryClient

    if args.registry:
        password = args.password if args.password is not None else os.environ.get("ECR_PTC_PASSWORD")
        if bool(args.username) != bool(password):
            raise UsageError(
                "--username and --password go together", "give both (or ECR_PTC_PASSWORD for the password), or neither"
            )
        creds = Credentials(args.username, password) if args.username and password else None
        try:
            return RegistryClient(registry_url(args.registry), creds, timeout=args.request_timeout), "stream", None
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if args.username or args.password:
        raise UsageError(
            "--username/--password apply only with --registry (ECR uses your AWS credentials)",
            "drop --username/--password, or add --registry URL",
        )
    # AWS_REGION or AWS_DEFAULT_REGION, else the config's one environment, else the profile's; with organization
    # the hub's registry in the hub's Region
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or getattr(config, "region", None)
    client, api = ecr_clients(config, args.request_timeout, region)
    return client, "ecr", api


def _unreachable(exc: Exception) -> bool:
    """Is this botocore's word for an ECR API endpoint that cannot be reached or did not answer?"""
    try:
        from botocore import exceptions
    except ImportError:  # pragma: no cover - boto3 is a dependency
        return False
    return isinstance(exc, (exceptions.ConnectionError, exceptions.HTTPClientError))


def _setup_failure(exc: Exception) -> tuple[str, Optional[str]]:
    """The one-line error and its fix for an exception met before any image is warmed."""
    if _unreachable(exc):
        text = re.sub(r"//[^/@\s]*@", "//", " ".join(str(exc).split()))  # no proxy credentials
        return f"cannot reach the Amazon ECR API: {text}", UNREACHABLE_FIX
    return f"{type(exc).__name__}: {exc}", AWS_SETUP_FIXES.get(type(exc).__name__)


def run(args, stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None) -> int:
    """Run ``ecr-ptc warm``; returns the exit code (0 all warmed, 1 any failed, 2 bad usage or config)."""
    from ecr_ptc_runtime import logs

    out, err = stdout or sys.stdout, stderr or sys.stderr
    previous = logs.configure(err, enabled=bool(getattr(args, "verbose", False)))
    try:
        return _run(args, out, err)
    finally:
        logs.configure(*previous)


def _run(args, out: TextIO, err: TextIO) -> int:
    from ecr_ptc_app import warm_from
    from ecr_ptc_runtime import errors, logs

    try:
        refs, selected, client, mode, api = _prepare(args, err)
    except warm_from.CommandError as exc:  # --from: no such file, nothing to warm
        print(f"ecr-ptc warm: error: {exc}\n  Fix: {exc.fix}", file=err)
        return 2
    except UsageError as exc:
        print(f"ecr-ptc warm: error: {logs.redact(str(exc))}", file=err)
        if "\n  Fix: " not in str(exc):  # a config's mistakes carry their own Fix: lines
            print(f"  Fix: {exc.fix}", file=err)
        return 2
    except errors.WarmError as exc:  # e.g. GetAuthorizationToken denied
        print(f"ecr-ptc warm: error: {exc}", file=err)
        return 1
    except Exception as exc:  # no AWS credentials, Region or network, and the like
        text, fix = _setup_failure(exc)
        print(f"ecr-ptc warm: error: {logs.redact(text)}", file=err)
        if fix:
            print(f"  Fix: {fix}", file=err)
        return 2
    progress = _Progress([str(r) for r in refs], err)
    deadline = time.monotonic() + args.timeout
    before: dict = {}
    if mode == "ecr":
        outcomes, before = _refresh(args, client, api, refs, selected, deadline, progress, err)
    else:
        from ecr_ptc_runtime import warm

        outcomes = warm.warm_many(
            client, refs, selected, mode=mode, deadline=deadline, concurrency=args.concurrency, progress=progress
        )
    return _report(outcomes, before, out, err)


def _prepare(args, err: TextIO) -> tuple[list, list, Any, str, Any]:
    """The images to warm (each once, in the order given, then what ``--from`` found), the platforms, and the
    registry client, its mode and the ECR API client. Raises what ``_run`` reports (bad input, setup failures)."""
    from ecr_ptc_app import warm_from
    from ecr_ptc_runtime import logs
    from ecr_ptc_runtime.names import parse_image, parse_platform

    if args.password:
        logs.register_secret(args.password)
    _check_numbers(args)
    images, platforms, config = _images_and_platforms(args)
    scanned = warm_from.read(args.from_paths, config, err) if args.from_paths else None
    try:
        refs = list(dict.fromkeys(parse_image(i) for i in images))  # each image once, in the order given
        selected = [parse_platform(p) for p in platforms]
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    refused = refused_images(refs, tuple(getattr(config, "rules", ())))
    if refused:
        raise UsageError(
            "not allowed into the cache: " + "; ".join(refused),
            "remove the image, or add a pattern that names it to the rule's allow list (and none to its deny list)",
        )
    client, mode, api = _client(args, config)
    if scanned is not None:  # what the files pull: their references the rules' lists refuse are listed, not here
        refs = list(dict.fromkeys([*refs, *warm_from.images(scanned, config, client, err)]))
    return refs, selected, client, mode, api


def _refresh(
    args, client, api, refs: list, selected: list, deadline: float, progress, err: TextIO
) -> tuple[list, dict]:
    """The ``ecr`` mode's warm, the same re-warm as the scheduled runs (what ECR held before, the warm, moved
    tags): the outcomes (errors explained) and each image's refresh record by name."""
    from ecr_ptc_runtime import ecr, refresh
    from ecr_ptc_runtime.names import parse_image

    results = refresh.refresh(
        client,
        api,
        refs,
        selected,
        deadline=deadline,
        concurrency=args.concurrency,
        progress=progress,
        skip_archived=False,
    )
    outcomes = [r.outcome for r in results]
    for o in outcomes:
        if o.error and not isinstance(o.error, refresh.ImageArchived):
            o.error = ecr.explain(o.error, parse_image(o.image), api)
    unknown = sorted({r.before.error for r in results if not r.before.known})
    if unknown:
        print(
            f"ecr-ptc warm: moved tags not reported: ecr:DescribeImages answered {', '.join(unknown)}",
            file=err,
        )
        print("  Fix: allow ecr:DescribeImages on the cache's repositories to see moved tags", file=err)
    return outcomes, {r.image: r for r in results}


def _report(outcomes: list, before: dict, out: TextIO, err: TextIO) -> int:
    """The table on stdout, moved tags and failures on stderr; returns the exit code (1: an image failed)."""
    _table(outcomes, out, before)
    for r in before.values():
        if r.moved:
            print(f"ecr-ptc warm: {r.image} moved: {r.before.digest} -> {r.after}", file=err)
    failed = [o for o in outcomes if not o.ok]
    for o in failed:
        text = str(o.error)  # most errors already start with the image
        print(f"ecr-ptc warm: {text if text.startswith(o.image) else f'{o.image}: {text}'}", file=err)
    return 1 if failed else 0
