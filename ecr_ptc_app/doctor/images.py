"""Images: which rule caches an image, whether its name works through the cache, and whether ECR holds it.

Looked at with ``ecr:DescribeImages`` only: a ``BatchGetImage`` would pull from the upstream.
"""

from __future__ import annotations

from typing import Any, Optional

from .aws import CannotCall
from .context import OK, PROBLEM, Context
from .lists import image_refusal


def _cache_repository(ctx: Context, written: str, ref: Any) -> Optional[str]:
    """The cache repository a reference names itself: ``<registry>/<prefix>/...``, or ``<prefix>/...`` with no host
    (how ``ecr-ptc warm`` and ``warm.images`` write images). None: an upstream reference."""
    from ecr_ptc_runtime.names import DOCKER_HUB_DOMAIN, DOCKER_HUB_HOSTS, best_prefix

    if ref.domain == ctx.registry:
        return str(ref.path)
    named = [r.prefix for r in ctx.config.rules if r.prefix != "ROOT"]
    if ref.domain == DOCKER_HUB_DOMAIN and written.split("/", 1)[0] not in DOCKER_HUB_HOSTS:
        if best_prefix(ref.path, named):
            return str(ref.path)
    return None


def resolve_image(ctx: Context, written: str, ref: Any) -> Optional[tuple[str, str]]:
    """(the rule prefix, the cache repository) ``written`` goes through; None (the problem noted) when none."""
    from ecr_ptc_runtime.names import best_prefix, map_reference

    from ..rewrite.target import uncovered

    rules = list(ctx.config.rules)
    repository = _cache_repository(ctx, written, ref)
    if repository is None:
        try:
            mapping = map_reference(ref, rules, ctx.registry)
        except ValueError as exc:  # valid, but ECR cannot hold it through its rule (CannotHold)
            ctx.add("image", written, PROBLEM, str(exc), "pull it from its registry, or give the ROOT rule a prefix")
            return None
        if mapping is None:
            problem, fix = uncovered(ref, rules, ctx.config.file)
            ctx.add("image", written, PROBLEM, problem, fix)
            return None
        return mapping.prefix, mapping.repository
    prefix = best_prefix(repository, [r.prefix for r in rules])
    if prefix is None:
        ctx.add(
            "image",
            written,
            PROBLEM,
            f"{repository} is under no cache rule prefix ({', '.join(r.prefix for r in rules)})",
            "start it with a rule's prefix, or give the upstream reference (quay.io/..., nginx:1.27)",
        )
        return None
    return prefix, repository


def fetch_image(ctx: Context, written: str, repository: str, image_id: dict[str, str]) -> Optional[list[dict]]:
    """ECR's details of the image (empty: not held); None (noted as could not check) when it cannot be asked."""
    try:
        answer = ctx.aws.call(
            "ecr",
            "describe_images",
            missing=("RepositoryNotFoundException", "ImageNotFoundException"),
            repositoryName=repository,
            imageIds=[image_id],
        )
    except CannotCall as exc:
        ctx.could_not("image", written, exc)
        return None
    return (answer or {}).get("imageDetails") or []


def report_image(ctx: Context, written: str, ref: Any, prefix: str, repository: str, details: list[dict]) -> None:
    """Whether ECR holds the image now (and, pinned by tag and digest, whether the tag still points there)."""
    tag, digest = ref.tag, ref.digest
    label = f"{repository}@{digest}" if digest and tag is None else f"{repository}:{tag or 'latest'}"
    if not details:
        warm = f"pull it once by tag: ecr-ptc warm {repository}:{tag or '<tag>'}"
        where = (
            f"not cached yet: no pull through the {prefix} rule has created {repository}"
            if ctx.aws.last_missing == "RepositoryNotFoundException"
            else "the repository exists, but ECR does not hold this image"
        )
        ctx.add(
            "image",
            written,
            PROBLEM,
            f"{label}: {where}",
            warm.replace("<tag>", "latest") if tag is None and not digest else warm,
        )
        return
    held = details[0]
    pulled = held.get("lastRecordedPullTime")
    note = f"cached as {label}, digest {held.get('imageDigest')}" + (f", last pulled {pulled}" if pulled else "")
    if digest and tag is not None and held.get("imageDigest") != digest:
        note += f"; the reference pins {digest}, which the tag no longer points at here"
    ctx.add("image", written, OK, note)


def check_image(ctx: Context, written: str) -> None:
    """Which rule caches the image, whether the name will work through it, and whether ECR holds it now."""
    from ecr_ptc_runtime.names import ImageRef, official_image, parse_reference

    try:
        ref = parse_reference(written)
    except ValueError as exc:
        ctx.add("image", written, PROBLEM, str(exc), "write it as [registry/]repository[:tag][@digest] (lower case)")
        return
    resolved = resolve_image(ctx, written, ref)
    if resolved is None:
        return
    prefix, repository = resolved
    rule = next(r for r in ctx.config.rules if r.prefix == prefix)
    refused = image_refusal(rule, repository)  # which list (allow, deny) keeps it out
    if refused is not None:
        ctx.add("image", written, PROBLEM, *refused)
        return
    tag, digest = ref.tag, ref.digest
    fixed = official_image(ImageRef(repository, tag or "latest"), prefix, rule.upstream, rule.upstream_prefix)
    if fixed is not None:
        ctx.add(
            "image",
            written,
            PROBLEM,
            f"{repository} is a Docker Hub official image without library/: Docker Hub refuses the short form "
            "through a cache",
            f"use {ctx.registry}/{fixed.repository}{':' + tag if tag else ''}",
        )
        return
    if digest and tag is None:
        warm = f"pull it once by tag: ecr-ptc warm {repository}:<tag>"
        ctx.add(
            "image", written, PROBLEM, "pinned by digest only: a first pull by digest does not fill the cache", warm
        )
    image_id = {"imageDigest": digest} if digest and tag is None else {"imageTag": tag or "latest"}
    details = fetch_image(ctx, written, repository, image_id)
    if details is not None:
        report_image(ctx, written, ref, prefix, repository, details)
