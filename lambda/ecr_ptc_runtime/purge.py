"""Removing what the cache created: list the repositories under the cache's prefixes, and delete them.

Shared by ``ecr-ptc purge`` and the custom resource that purges on stack delete
(``repositories.deleteOnStackDelete``). Only repositories under the given prefixes are ever named in a
call: every name is checked again right before its ``ecr:DeleteRepository``, and a ``ROOT`` prefix is
refused (its repositories cannot be told from the registry's others). Listing is paginated; every call
is retried on throttling with jittered backoff until the deadline.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator, Optional, Sequence

from .ecr import ClientError, _error_code
from .logs import log

# ECR's throttling and transient codes (botocore retries some itself; these are retried again until the deadline).
RETRIED = (
    "ThrottlingException",
    "TooManyRequestsException",
    "ServiceUnavailableException",
    "RequestLimitExceeded",
    "ServerException",
)
PAGE_SIZE = 1000  # DescribeRepositories and DescribeImages take maxResults up to 1000
DAY = timedelta(days=1)


class PurgeRefused(ValueError):
    """A prefix that purge never acts on (``ROOT``, or not a repository path)."""


def check_prefixes(prefixes: Sequence[str]) -> tuple[str, ...]:
    """The prefixes without trailing ``/``; ``ROOT`` and empty ones are refused."""
    out = []
    for prefix in prefixes:
        clean = prefix.strip().strip("/") if isinstance(prefix, str) else ""
        if not clean or clean == "ROOT":
            raise PurgeRefused(
                f"prefix {prefix!r}: a ROOT rule's repositories cannot be told from the registry's other "
                "repositories, so purge never deletes under it"
            )
        out.append(clean)
    return tuple(dict.fromkeys(out))


def under(name: str, prefixes: Sequence[str]) -> bool:
    """Whether repository ``name`` lies under one of ``prefixes`` (whole path segments: ``hub`` is not ``hubx``)."""
    return any(name.startswith(p + "/") for p in prefixes)


@dataclass(frozen=True)
class CachedRepository:
    name: str
    images: int
    size_bytes: int
    last_pull: Optional[datetime]  # the latest lastRecordedPullTime of its images; None: never recorded
    created: Optional[datetime]

    def unpulled_days(self, now: datetime) -> Optional[float]:
        """Days since the last pull (since creation when never pulled); None when neither is known."""
        since = self.last_pull or self.created
        return None if since is None else (now - since) / DAY

    def as_json(self) -> dict[str, Any]:
        return {
            "repository": self.name,
            "images": self.images,
            "sizeBytes": self.size_bytes,
            "lastPull": self.last_pull.isoformat() if self.last_pull else None,
        }


@dataclass(frozen=True)
class Deletion:
    repository: str
    deleted: bool
    error: Optional[str] = None  # the error code when not deleted


def call(
    fn: Callable[..., dict],
    *,
    deadline: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    **kwargs: Any,
) -> dict:
    """``fn(**kwargs)``, retried on throttling with full-jitter backoff (0.2 s doubling, 10 s at most) until
    ``deadline`` (a ``clock`` value); any other error, or throttling past the deadline, is raised."""
    attempt = 0
    while True:
        try:
            return fn(**kwargs)
        except ClientError as exc:
            code = _error_code(exc)
            pause = random.uniform(0, min(10.0, 0.2 * 2**attempt))
            if code not in RETRIED or clock() + pause > deadline:
                raise
            log("purge-retry", code=code, attempt=attempt + 1)
            sleep(pause)
            attempt += 1


def _pages(ecr: Any, operation: str, key: str, deadline: float, sleep: Callable, **kwargs: Any) -> Iterator[dict]:
    token: Optional[str] = None
    while True:
        request: dict[str, Any] = {**kwargs, "maxResults": PAGE_SIZE, **({"nextToken": token} if token else {})}
        page = call(getattr(ecr, operation), deadline=deadline, sleep=sleep, **request)
        yield from page.get(key, [])
        token = page.get("nextToken")
        if not token:
            return


def list_cache_repositories(
    ecr: Any, prefixes: Sequence[str], *, deadline: float, sleep: Callable[[float], None] = time.sleep
) -> list[CachedRepository]:
    """The repositories under ``prefixes`` (checked: never ``ROOT``) with image count, size and last pull."""
    prefixes = check_prefixes(prefixes)
    listed = [
        r
        for r in _pages(ecr, "describe_repositories", "repositories", deadline, sleep)
        if under(r["repositoryName"], prefixes)
    ]
    out = []
    for repository in listed:  # only now, and only these: one DescribeImages listing each
        name = repository["repositoryName"]
        images = size = 0
        last: Optional[datetime] = None
        for image in _pages(ecr, "describe_images", "imageDetails", deadline, sleep, repositoryName=name):
            images += 1
            size += int(image.get("imageSizeInBytes") or 0)
            pulled = image.get("lastRecordedPullTime")
            if pulled is not None and (last is None or pulled > last):
                last = pulled
        out.append(CachedRepository(name, images, size, last, repository.get("createdAt")))
    return sorted(out, key=lambda r: r.name)


def unpulled(repositories: Sequence[CachedRepository], days: int, now: datetime) -> list[CachedRepository]:
    """Those nobody pulled for at least ``days`` days (never pulled: counted from creation)."""
    return [r for r in repositories if (age := r.unpulled_days(now)) is not None and age >= days]


def delete_repositories(
    ecr: Any,
    repositories: Sequence[CachedRepository],
    prefixes: Sequence[str],
    *,
    deadline: float,
    sleep: Callable[[float], None] = time.sleep,
    report: Callable[[Deletion], None] = lambda d: None,
) -> list[Deletion]:
    """Delete each repository with its images (``force``), each result reported as it happens. A repository
    that is gone already counts as deleted; one outside ``prefixes`` is never named in a call."""
    prefixes = check_prefixes(prefixes)
    results = []
    for repository in repositories:
        if not under(repository.name, prefixes):  # defence in depth: the caller listed under the prefixes
            result = Deletion(repository.name, False, "OutsideCachePrefixes")
        else:
            try:
                call(ecr.delete_repository, deadline=deadline, sleep=sleep, repositoryName=repository.name, force=True)
                result = Deletion(repository.name, True)
            except ClientError as exc:
                code = _error_code(exc)
                result = Deletion(repository.name, code == "RepositoryNotFoundException", code)
        log("purge-delete", repository=result.repository, deleted=result.deleted, error=result.error)
        report(result)
        results.append(result)
    return results


# --- the custom resource: purge the cache's repositories when the stack is deleted -------------------------
def on_stack_delete(event: dict, context: Any) -> tuple[str, str]:
    """CloudFormation custom resource (``Custom::EcrPtcPurge``): (status, reason) of one request. Nothing on
    create and update; on delete, every repository under ``Prefixes`` is deleted with its images. Never raises:
    ``handler.purge_on_stack_delete_handler`` answers CloudFormation with it, so the stack is never left
    waiting."""
    from .ecr import client

    try:
        if event.get("RequestType") != "Delete":
            return "SUCCESS", "nothing to do"
        # A Delete also comes when the resource leaves a stack that stays (deleteOnStackDelete turned false):
        # only the stack's own deletion purges.
        status = stack_status(event.get("StackId", ""))
        if status != "DELETE_IN_PROGRESS":
            return "SUCCESS", f"the purge was removed from the stack ({status}), which stays: nothing deleted"
        prefixes = event.get("ResourceProperties", {}).get("Prefixes", [])
        remaining_ms = context.get_remaining_time_in_millis() if context else 600_000
        deadline = time.monotonic() + remaining_ms / 1000 - 30  # leave time to answer
        ecr = client()
        found = list_cache_repositories(ecr, prefixes, deadline=deadline)
        results = delete_repositories(ecr, found, prefixes, deadline=deadline)
    except Exception as exc:  # noqa: BLE001 - CloudFormation must get an answer whatever happened
        return "FAILED", f"{type(exc).__name__}: {exc}"
    failed = [f"{r.repository} ({r.error})" for r in results if not r.deleted]
    if failed:
        return "FAILED", "could not delete " + ", ".join(failed)
    return "SUCCESS", f"deleted {len(results)} repositories under {', '.join(prefixes)}"


def stack_status(stack_id: str) -> str:
    """The stack's status (``cloudformation:DescribeStacks``); a seam for tests."""
    import boto3

    stacks = boto3.client("cloudformation").describe_stacks(StackName=stack_id)["Stacks"]
    return str(stacks[0]["StackStatus"]) if stacks else "UNKNOWN"


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


__all__ = [
    "CachedRepository",
    "Deletion",
    "PurgeRefused",
    "call",
    "check_prefixes",
    "delete_repositories",
    "list_cache_repositories",
    "now_utc",
    "on_stack_delete",
    "under",
    "unpulled",
]
