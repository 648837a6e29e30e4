"""``ecr-ptc org verify``: find out, in a real organization, which path fills a spoke's miss.

Run once with a member account's credentials (in a target Region) after the first rollout, naming an image
the hub does not hold yet (``<prefix>/<repository>:<tag>``). It checks that the hub does not hold it
(``ecr:DescribeImages`` on the hub registry, granted to the organization), pulls its manifest once through
this account's spoke (the registry API's manifest GET, as a kubelet's pull starts; no layer is read), and:

* the pull succeeded: **chaining**: ECR filled the hub's miss through the hub's own rule (the spoke role's
  ``FillHub`` statement allows it; the ECR guide does not document it);
* the pull failed: the hub is watched (every ``--poll`` seconds, up to ``--wait``); once it holds the image the
  spoke pulls again: success is **miss forwarding** (the spoke's rule, the hub's bus and fill function);
* otherwise **neither**, with what to check.

Read-only apart from the one pull (and the second pull after a fill). ``--dry-run`` prints what it would do
and calls nothing. Exit codes: 0 chaining or miss forwarding, 1 neither, 2 bad usage, a config without
``organization``, hub credentials, an image the hub already holds, or AWS not reachable.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Optional, TextIO

CHAINING, FORWARDING, NEITHER = "chaining", "miss-forwarding", "neither"
DEFAULT_WAIT = 300  # seconds: event delivery (seconds) + a fill (seconds to a minute), with a margin
DEFAULT_POLL = 15

Pull = Callable[[Any, Any], tuple[bool, str]]  # (spoke ECR client, ImageRef) -> (pulled, detail)


def add_arguments(verify: argparse.ArgumentParser) -> None:
    """``org verify``'s options (the ``org`` command's parser adds the subcommand)."""
    verify.add_argument("--config", metavar="PATH", help="config file with organization (default: config/default.yaml)")
    verify.add_argument(
        "--image", required=True, metavar="REF", help="<prefix>/<repository>:<tag> the hub does not hold yet"
    )
    verify.add_argument("--dry-run", action="store_true", help="print what it would do, call nothing")
    verify.add_argument("--wait", type=int, default=DEFAULT_WAIT, metavar="SECONDS", help="how long to watch the hub")
    verify.add_argument("--poll", type=int, default=DEFAULT_POLL, metavar="SECONDS", help=argparse.SUPPRESS)
    verify.add_argument("--output", choices=("text", "json"), default="text", help="text lines, or one JSON document")


@dataclass
class Verdict:
    path: str  # CHAINING, FORWARDING or NEITHER
    image: str
    account: str
    region: str
    first_pull: str
    seconds_to_fill: Optional[float] = None
    second_pull: Optional[str] = None
    fix: Optional[str] = None
    notes: list[str] = field(default_factory=list)


def pull_manifest(spoke_ecr: Any, ref: Any) -> tuple[bool, str]:
    """One manifest GET through this account's registry (what starts a pull-through fill)."""
    from ecr_ptc_runtime import ecr, errors

    try:
        registry = ecr.registry_client(spoke_ecr)
        manifest = registry.get_manifest(ref.repository, ref.tag, time.monotonic() + 60)
    except errors.WarmError as err:
        return False, f"{err.reason}: {err}"
    return True, f"digest {manifest.digest}"


def plan_lines(config: Any, ref: Any, wait: int) -> list[str]:
    settings = config.organization
    return [
        f"would verify the miss path for {ref} (config {config.file}), with this member account's credentials:",
        "  1. sts:GetCallerIdentity: refuse the hub account (its misses are its own cache's)",
        f"  2. ecr:DescribeImages on the hub registry {settings.hub.registry_url}: refuse an image it already holds",
        f"  3. pull the manifest of {ref} once through this account's registry (no layer is read)",
        "     pulled: chaining (ECR filled the hub through the hub's rule)",
        f"  4. else watch the hub for up to {wait} s, then pull again: pulled = miss forwarding, else neither",
    ]


def verify(config: Any, ref: Any, session: Any, pull: Pull, sleep: Callable, clock: Callable, wait: int, poll: int):
    """The verdict, or (message, fix) when it cannot start."""
    from .doctor.spoke import hub_holds

    settings = config.organization
    region = session.region_name
    if not region:
        return "no AWS Region is set", "set AWS_REGION to one of organization.targets.regions"
    if region not in settings.targets.regions:
        return f"{region} is not a target Region", f"set AWS_REGION to one of {', '.join(settings.targets.regions)}"
    try:
        account = session.client("sts", region_name=region).get_caller_identity()["Account"]
    except Exception as exc:  # noqa: BLE001 - NoCredentialsError, expired token, no network
        return (
            f"cannot tell who these credentials are ({type(exc).__name__})",
            "configure a member account's credentials",
        )
    if account == settings.hub.account:
        return "these are the hub account's credentials", "run with a member account's credentials (a spoke)"
    hub_ecr = session.client("ecr", region_name=settings.hub.region)
    try:
        held = hub_holds(hub_ecr, settings.hub.account, ref)
    except Exception as exc:  # noqa: BLE001
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", "")) or type(exc).__name__
        return f"ecr:DescribeImages on the hub failed: {code}", "check the hub's registry policy (ecr-ptc doctor)"
    if held:
        return f"the hub already holds {ref} ({held}): nothing to find out", "name an image the hub does not hold yet"
    spoke_ecr = session.client("ecr", region_name=region)
    pulled, detail = pull(spoke_ecr, ref)
    verdict = Verdict(CHAINING if pulled else NEITHER, str(ref), account, region, detail)
    if pulled:
        verdict.notes.append("ECR pulled a miss of the hub through the hub's own rule: spokes need no forwarding")
        return verdict
    started = clock()
    while not held and clock() - started < wait:
        sleep(poll)
        held = hub_holds(hub_ecr, settings.hub.account, ref)
    if held:
        verdict.seconds_to_fill = round(clock() - started, 1)
        pulled, verdict.second_pull = pull(spoke_ecr, ref)
        if pulled:
            verdict.path = FORWARDING
            return verdict
        verdict.fix = (
            f"the hub holds it now but this spoke still cannot pull it: 'ecr-ptc doctor --config {config.file} "
            f"--image {ref}' here checks the spoke's rule and role"
        )
        return verdict
    verdict.fix = (
        f"the hub did not get it within {wait} s: "
        + (
            "check the forwarding rule and the hub's fill function (its log group: event miss-*), "
            f"'ecr-ptc doctor --config {config.file} --image {ref}' here"
            if settings.fill_on_miss
            else "set organization.fillOnMiss: true and deploy"
        )
        + f"; meanwhile warm it in the hub: ecr-ptc warm --config {config.file} {ref}"
    )
    return verdict


def run(
    args: argparse.Namespace,
    stdout: Optional[TextIO] = None,
    stderr: Optional[TextIO] = None,
    session: Any = None,
    pull: Pull = pull_manifest,
    sleep: Callable = time.sleep,
    clock: Callable = time.monotonic,
) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    from ecr_ptc_runtime.names import best_prefix, parse_image

    from .config import ConfigError, load_config

    def fail(message: str, fix: str) -> int:
        print(f"error: {message}.\n  Fix: {fix}", file=err)
        return 2

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        for line in exc.lines():
            print(f"error: {line}", file=err)
        return 2
    if config.organization is None:
        return fail(f"{config.file} has no organization", "pass --config with an organization block")
    try:
        ref = parse_image(args.image)
    except ValueError as exc:
        return fail(str(exc), "give --image <prefix>/<repository>:<tag>")
    if best_prefix(ref.repository, [r.prefix for r in config.rules]) is None:
        return fail(f"{ref} is under no cache rule prefix", "start --image with a rule's prefix")
    if args.wait < 0 or args.poll <= 0:
        return fail("--wait must be 0 or more and --poll more than 0", "give whole numbers of seconds")
    if args.dry_run:
        out.write("\n".join(plan_lines(config, ref, args.wait)) + "\n")
        return 0
    if session is None:
        import boto3

        session = boto3.session.Session()
    verdict = verify(config, ref, session, pull, sleep, clock, args.wait, args.poll)
    if isinstance(verdict, tuple):
        return fail(*verdict)
    code = 1 if verdict.path == NEITHER else 0
    if args.output == "json":
        out.write(json.dumps({**asdict(verdict), "exitCode": code}, indent=2) + "\n")
    else:
        out.write(f"{verdict.image} in {verdict.account}/{verdict.region}: {verdict.path}\n")
        out.write(f"  first pull through the spoke: {verdict.first_pull}\n")
        if verdict.seconds_to_fill is not None:
            out.write(f"  the hub held it after {verdict.seconds_to_fill} s; second pull: {verdict.second_pull}\n")
        for note in verdict.notes:
            out.write(f"  {note}\n")
    if verdict.fix:
        print(f"problem: {verdict.path}.\n  Fix: {verdict.fix}", file=err)
    return code


__all__ = ["CHAINING", "FORWARDING", "NEITHER", "Verdict", "add_arguments", "pull_manifest", "run", "verify"]
