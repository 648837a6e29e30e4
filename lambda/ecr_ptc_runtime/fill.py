"""Organization miss forwarding: a spoke's failed pull-through action, forwarded to the hub's event bus, fills
the same image in the hub (``handler.miss_fill_handler``).

A spoke's rules use the hub's prefixes (same prefix, upstream prefix = the hub prefix), so the spoke's
``repository-name`` is the hub's repository; the fill warms ``<repository>:<image-tag>`` through the hub's
own cache with the one warming implementation (:func:`refresh.refresh` over :func:`warm.warm_many`). What is
not a spoke miss the hub can fill is dropped, with a reason in the log:

* ``source`` other than ``aws.ecr`` or another ``detail-type``: ``PutEvents`` refuses ``aws.*`` sources,
  so only EventBridge itself (a spoke rule forwarding ECR's own event) can put an ``aws.ecr`` event on the
  bus: a forged custom event never triggers a pull;
* ``sync-status`` ``SUCCESS``; an ``account`` that is not a 12-digit id, or is the hub's own (its misses are
  its own cache's); a repository no hub rule covers;
* a repository the hub rule's ``allow`` or ``deny`` list refuses (``not-allowed``: the hub's policies would
  deny its import, so no call is made);
* a digest-only event is reported (``miss-digest-only``), not filled: a first pull by digest does not fill a
  pull-through cache.

The same image is filled at most once per :data:`FILL_WINDOW_SECONDS` (a conditional write to a DynamoDB
table, :func:`notify.first_in_window`): a burst of 200 spokes missing one image is one pull through the
hub. A fill that fails keeps its window (a missing tag is not asked for 200 times) and goes through the
deduplicated failure notification (:func:`notify.notify`, one message per prefix and failure code an hour).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Sequence

from . import allow, ecr, errors, metrics, notify, refresh
from .images import ImageRef, best_prefix, parse_image
from .logs import log, redact

FILL_WINDOW_SECONDS = 900  # the same image is filled once per 15 minutes
ACCOUNT_RE = re.compile(r"^\d{12}$")
# The fill's failure reasons as the ECR failure codes the notification advises on (notify.ADVICE).
FAILURE_CODES = {
    errors.ImageNotFound.reason: "ImageNotFound",
    errors.UpstreamCredentialsRejected.reason: "UpstreamAccessDenied",
    errors.RateLimited.reason: "UpstreamTooManyRequests",
    errors.RegistryUnavailable.reason: "UpstreamUnavailable",
}


@dataclass(frozen=True)
class Miss:
    """A spoke's failed pull-through action, as far as the fill needs it."""

    account: str
    region: str
    prefix: str  # the hub rule prefix covering the repository
    repository: str
    tag: str
    digest: str
    code: str

    @property
    def ref(self) -> ImageRef:
        return ImageRef(self.repository, self.tag)


def triage(event: Any, prefixes: Sequence[str], hub_account: str) -> tuple[Optional[Miss], str]:
    """The miss to fill and ``"fill"``, or None and why the event is dropped (``digest-only`` is reported)."""
    if not isinstance(event, dict) or not isinstance(event.get("detail"), dict):
        return None, "not-an-event"
    if event.get("source") != notify.SOURCE or event.get("detail-type") != notify.DETAIL_TYPE:
        return None, "not-ecr"  # PutEvents refuses aws.* sources: only EventBridge forwards these
    detail = event["detail"]
    if detail.get("sync-status") == notify.SUCCESS:
        return None, "success"
    account = str(event.get("account") or "")
    if not ACCOUNT_RE.match(account) or account == hub_account:
        return None, "not-a-spoke"
    repository = str(detail.get("repository-name") or "")
    prefix = best_prefix(repository, prefixes) if repository else None
    if prefix is None:
        return None, "uncovered"
    tag, digest = str(detail.get("image-tag") or ""), str(detail.get("image-digest") or "")
    miss = Miss(
        account, str(event.get("region") or "?"), prefix, repository, tag, digest, str(detail.get("failure-code") or "")
    )
    if not tag:
        return miss, "digest-only"
    try:
        parse_image(f"{repository}:{tag}")
    except ValueError:
        return None, "bad-name"
    return miss, "fill"


def failure_event(miss: Miss, error: errors.WarmError, cache: str) -> dict:
    """The fill's failure in the shape of ECR's failure event, for :class:`notify.PullThroughFailure`."""
    return {
        "account": miss.account,
        "region": miss.region,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "detail": {
            "sync-status": "FILL_FAILED",
            "ecr-repository-prefix": miss.prefix,
            "repository-name": miss.repository,
            "image-tag": miss.tag,
            "upstream-registry-url": f"the hub cache {cache} (miss forwarded from account {miss.account})",
            "failure-code": FAILURE_CODES.get(error.reason, error.reason),
            "failure-reason": redact(str(error)),
        },
    }


@dataclass
class Filled:
    """One event's outcome: ``state`` is ``filled``, ``failed``, ``deduplicated``, ``reported`` or ``dropped``."""

    state: str
    reason: str = ""
    image: str = ""
    seconds: float = 0.0
    notified: bool = False


def fill(
    event: Any,
    *,
    cache: str,
    prefixes: Sequence[str],
    hub_account: str,
    ecr_api,
    dynamodb,
    table: str,
    deadline: float,
    notify_failure: Optional[Callable[[notify.PullThroughFailure], bool]] = None,
    now: Optional[float] = None,
    lists: Sequence[allow.RuleLists] = (),
) -> Filled:
    """Fill one forwarded miss in the hub (see the module's docstring); never raises for the image's own failure.

    :param lists: the hub rules' allow/deny lists (``allow.lists_json``): a miss they refuse is dropped
        (``not-allowed``) before any call, as the hub's policies would deny its import."""
    miss, verdict = triage(event, prefixes, hub_account)
    why = allow.repository_refusal(lists, miss.repository) if miss is not None else None
    if miss is not None and why is not None:
        log("miss-dropped", reason="not-allowed", repository=miss.repository, why=str(why), account=miss.account)
        return Filled("dropped", "not-allowed")
    if miss is None:
        log("miss-dropped", reason=verdict, source=str((event or {}).get("source", ""))[:64])
        return Filled("dropped", verdict)
    fields: dict[str, Any] = {
        "account": miss.account,
        "region": miss.region,
        "prefix": miss.prefix,
        "repository": miss.repository,
    }
    if verdict == "digest-only":
        log("miss-digest-only", digest=miss.digest, **fields)
        return Filled("reported", verdict, f"{miss.repository}@{miss.digest}")
    image = str(miss.ref)
    if not notify.first_in_window(dynamodb, table, f"fill#{image}", now, quiet=FILL_WINDOW_SECONDS):
        log("miss-deduplicated", image=image, **fields)
        return Filled("deduplicated", image=image)
    started = time.monotonic()
    try:
        registry = ecr.registry_client(ecr_api)
    except errors.WarmError as err:
        outcome: Optional[refresh.Refreshed] = None
        error: Optional[errors.WarmError] = err
    else:
        (outcome,) = refresh.refresh(
            registry, ecr_api, [miss.ref], deadline=deadline, concurrency=1, skip_archived=False
        )
        error = outcome.outcome.error
        if error is not None and not isinstance(error, refresh.ImageArchived):
            error = ecr.explain(error, miss.ref, ecr_api)
    seconds = round(time.monotonic() - started, 3)
    dimensions = {metrics.CACHE: cache, metrics.PREFIX: miss.prefix}
    dimension_sets = [[metrics.CACHE], [metrics.CACHE, metrics.PREFIX]]
    if error is None:
        assert outcome is not None
        log("miss-filled", image=image, digest=outcome.after, seconds=seconds, **fields)
        metrics.emit(
            metrics.record({metrics.MISS_FILLS: 1, metrics.MISS_FILL_SECONDS: seconds}, dimensions, dimension_sets)
        )
        return Filled("filled", image=image, seconds=seconds)
    log("miss-fill-failed", image=image, reason=error.reason, error=str(error), seconds=seconds, **fields)
    metrics.emit(metrics.record({metrics.MISS_FILL_FAILURES: 1}, dimensions, dimension_sets))
    notified = False
    if notify_failure is not None:
        notified = notify_failure(notify.PullThroughFailure.of(failure_event(miss, error, cache)))
    return Filled("failed", error.reason, image, seconds, notified)


def run(event: Any, environ: Mapping[str, str], *, ecr_api, dynamodb, sns: Callable[[], Any], deadline: float) -> dict:
    """:func:`fill` as the Lambda function runs it, at most one failure message per prefix and code an hour.

    ``environ``: CACHE_NAME, PREFIXES (the prefixes spokes forward, comma-separated), HUB_ACCOUNT, LISTS (the
    hub rules' allow/deny lists as JSON, when a rule has them), FILL_TABLE
    (the 15-minute windows), and TOPIC_ARN with WINDOW_TABLE (the cache's failure notification; none without).
    A message that cannot be sent frees its window for the next failure (logged ``miss-notify-failed``)."""
    cache = environ.get("CACHE_NAME") or "ecr-ptc"
    topic, window = environ.get("TOPIC_ARN"), environ.get("WINDOW_TABLE")

    def tell(failure: notify.PullThroughFailure) -> bool:
        assert topic and window
        try:
            return notify.notify(failure, cache=cache, topic_arn=topic, table=window, sns=sns(), dynamodb=dynamodb)
        except Exception as exc:  # noqa: BLE001 - not sent: free its window, keep the count
            notify.forget(dynamodb, window, f"{failure.prefix}#{failure.code}")
            log("miss-notify-failed", prefix=failure.prefix, failure_code=failure.code, error=type(exc).__name__)
            return False

    outcome = fill(
        event,
        cache=cache,
        prefixes=[p for p in (environ.get("PREFIXES") or "").split(",") if p],
        hub_account=environ.get("HUB_ACCOUNT") or "",
        ecr_api=ecr_api,
        dynamodb=dynamodb,
        table=environ.get("FILL_TABLE") or "",
        deadline=deadline,
        notify_failure=tell if topic and window else None,
        lists=allow.lists_of(json.loads(environ.get("LISTS") or "[]")),
    )
    return {"state": outcome.state, "reason": outcome.reason, "image": outcome.image, "notified": outcome.notified}


__all__ = ["FILL_WINDOW_SECONDS", "Filled", "Miss", "failure_event", "fill", "run", "triage"]
