"""Lambda entry points, one per trigger, over the shared warming code (``warm``, ``refresh``).

* :func:`on_event_handler` and :func:`is_complete_handler`: the CloudFormation custom resource (CDK
  Provider framework's onEvent and isComplete) that warms one image at deploy time.
  ResourceProperties: Image (``<prefix>/<repo>:<tag>``), Platforms (list, empty = all),
  TimeoutSeconds (deadline for is_complete, counted from Create/Update), OnFailure (fail|warn), Lists (the
  rules' allow/deny lists, ``allow.lists_json``; an image they keep out fails before any call); the
  properties and the helpers both share are in ``warm_resource``.
* :func:`scheduled_handler`: the EventBridge Scheduler re-warm of every image (see :class:`ScheduledRun`),
  with EMF metric lines by prefix and the tags that moved.
* :func:`pull_through_event_handler`: ECR's "Pull Through Cache Action" failure events (``notify``).
* :func:`rule_handler`: the ``Custom::EcrPtcPullThroughCacheRule`` custom resource (``rules``), answering
  CloudFormation itself (no Provider framework).
* :func:`miss_fill_handler`: a spoke's failed pull-through action forwarded to the hub's bus (``fill``).
* :func:`purge_on_stack_delete_handler`: the stack-delete purge of the cache's repositories (``purge``).
"""

from __future__ import annotations

import logging
import os
import time
from typing import Any, Optional

from . import allow, ecr, errors, fill, metrics, notify, refresh, rules, warm, warm_resource
from .images import ImageRef, Platform, best_prefix, parse_image, parse_platform
from .logs import log, redact


def ecr_client():
    """The ECR client (a seam for tests)."""
    return ecr.client()


def _budget(context, deadline_epoch: Optional[float] = None) -> float:
    """A monotonic deadline: this invocation's end less a margin to answer, and (when given) no
    later than the resource deadline."""
    remaining = (context.get_remaining_time_in_millis() / 1000.0) if context is not None else 60.0
    margin = min(10.0, max(1.0, remaining * 0.1))
    limit = remaining - margin if deadline_epoch is None else min(remaining - margin, deadline_epoch - time.time())
    return time.monotonic() + max(0.0, limit)


def on_event(event: dict, context) -> dict:
    """The Provider's onEvent for one image: resolve its manifest through the cache and touch its blobs, so ECR
    starts importing it; the answer carries the digest and the deadline for :func:`is_complete`.

    Delete does nothing (a cached image stays). A failure to reach the cache or resolve the image is answered
    as :func:`warm_resource.failed` says (an error with ``OnFailure: fail``, a ``Warning`` with ``warn``); a blob
    that fails here is left to :func:`is_complete`, which touches it again.
    """
    request = event.get("RequestType")
    props_in = event.get("ResourceProperties") or {}
    log("on-event", request=request, image=props_in.get("Image"), physical_id=event.get("PhysicalResourceId"))
    if request == "Delete":
        return {"PhysicalResourceId": event.get("PhysicalResourceId") or props_in.get("Image", "none"), "Data": {}}
    props = warm_resource.Props(props_in)
    deadline_epoch = int(time.time() + props.timeout)
    data = {"Image": props.image, "Deadline": deadline_epoch}
    answer = {"PhysicalResourceId": props.image, "Data": data}
    refused = not_allowed(props.lists, props.ref)
    if refused is not None:  # before any call
        answer["Data"] = warm_resource.failed(props, refused, data)
        return answer
    client = ecr_client()
    try:
        registry = ecr.registry_client(client, upstream_hint=props.hint)
    except errors.WarmError as err:
        answer["Data"] = warm_resource.failed(props, err, data)
        return answer
    budget = _budget(context, deadline_epoch)
    try:
        resolved = warm.resolve(registry, props.ref, props.platforms, deadline=budget)
    except errors.WarmError as err:
        answer["Data"] = warm_resource.failed(props, warm_resource.explain(err, props.ref, client), data)
        return answer
    data["Digest"] = resolved.digest
    # Never fail over a blob here (ECR answers 404 for a layer while its import runs, say):
    # is_complete re-touches what is missing and fails at the deadline, naming it.
    failed = warm_resource.touch_all(registry, props, resolved.blobs(), budget)
    if failed:
        log(
            "touch-deferred",
            image=props.image,
            blobs_failed=len(failed),
            blobs=len(resolved.blobs()),
            **warm_resource.describe(failed[-1]),
        )
    log(
        "on-event-done",
        image=props.image,
        digest=resolved.digest,
        platforms=resolved.platforms,
        blobs=len(resolved.blobs()),
    )
    return answer


def is_complete(event: dict, context) -> dict:
    """The Provider's isComplete: done when ECR lists the tag and holds every blob (the answer's ``Digest``);
    not yet before the deadline (missing blobs are touched again); at the deadline, a failure that names what
    is missing (an error, or a ``Warning`` with ``OnFailure: warn``)."""
    if event.get("RequestType") == "Delete":
        return {"IsComplete": True}
    props = warm_resource.Props(event.get("ResourceProperties") or {})
    data = event.get("Data") or {}
    if data.get("Warning") and not data.get("Digest"):
        return {"IsComplete": True, "Data": {"Digest": "", "Image": props.image, "Warning": data["Warning"]}}
    deadline_epoch = float(data.get("Deadline") or time.time() + props.timeout)
    check_budget = _budget(context)  # checking may run past the deadline: it says what is missing
    touch_budget = min(check_budget, _budget(context, deadline_epoch))
    client = ecr_client()
    missing: list[str] = []
    listed: Optional[str] = None
    problem: Optional[Exception] = None
    try:
        registry = ecr.registry_client(client, upstream_hint=props.hint)
        resolved = warm.resolve(registry, props.ref, props.platforms, deadline=check_budget)
        listed = ecr.image_digest(client, props.ref)
        missing = ecr.missing_blobs(client, props.ref.repository, resolved.blobs())
        if listed and not missing:
            log("import-complete", image=props.image, digest=resolved.digest)
            return {"IsComplete": True, "Data": {"Digest": resolved.digest, "Image": props.image}}
        log("import-pending", image=props.image, tag_listed=bool(listed), missing_blobs=len(missing))
        failed = warm_resource.touch_all(registry, props, {d: None for d in missing}, touch_budget)
        if failed:  # a blob's own error, not the tag's: ecr.explain would misname it
            problem = failed[-1]
            log("is-complete-error", image=props.image, blobs_failed=len(failed), **warm_resource.describe(problem))
    except errors.WarmError as err:
        problem = err if isinstance(err, warm_resource.TRANSIENT) else warm_resource.explain(err, props.ref, client)
        log("is-complete-error", image=props.image, reason=err.reason, error=str(problem))
    except Exception as err:  # an AWS API error: try again next time, report it at the deadline
        problem = err
        log("is-complete-error", image=props.image, error=redact(f"{type(err).__name__}: {err}"))
    if time.time() < deadline_epoch:
        return {"IsComplete": False}
    what = []
    if not listed:
        what.append(f"ecr:DescribeImages does not list tag {props.ref.tag}")
    if missing:
        what.append(
            f"{len(missing)} blob(s) not AVAILABLE: {', '.join(missing[:10])}" + (" ..." if len(missing) > 10 else "")
        )
    if problem:
        what.append(f"last error: {problem}")
    late = errors.DeadlineExceeded(
        f"{props.image} not fully cached after {props.timeout}s: " + ("; ".join(what) or "unknown state")
    )
    return {"IsComplete": True, "Data": warm_resource.failed(props, late, {"Image": props.image})}


def on_event_handler(event: dict, context) -> dict:
    """Lambda entry point for the Provider's onEvent."""
    return on_event(event, context)


def is_complete_handler(event: dict, context) -> dict:
    """Lambda entry point for the Provider's isComplete."""
    return is_complete(event, context)


# --- scheduled re-warm -------------------------------------------------------------------------------
SCHEDULED_CONCURRENCY = 8  # images at once, as `ecr-ptc warm` does by default


class ScheduledRun:
    """The schedule's input (a JSON object the CacheWarmer construct writes):
    ``{"cache": <stack name>, "images": [...], "platforms": [...], "prefixes": [<rule prefixes>]}``, and
    ``"lists"`` (``allow.lists_json``) when a rule has allow or deny lists: an image they keep out fails as
    ``not-allowed`` without any call."""

    def __init__(self, event: dict) -> None:
        if not isinstance(event, dict):
            raise ValueError(f"the schedule's input is not a JSON object: {event!r}"[:300])
        self.cache = str(event.get("cache") or "").strip()
        if not self.cache:
            raise ValueError("the schedule's input names no cache")
        images = event.get("images")
        if not isinstance(images, list) or not images:
            raise ValueError("the schedule's input has no images")
        self.refs: list[ImageRef] = list(dict.fromkeys(parse_image(i) for i in images))
        self.platforms: list[Platform] = [parse_platform(p) for p in event.get("platforms") or []]
        self.prefixes: list[str] = [str(p) for p in event.get("prefixes") or []]
        self.lists = allow.lists_of(event.get("lists") or [])  # the rules' allow/deny lists

    def prefix_of(self, ref: ImageRef) -> str:
        """The rule prefix the image lies under (its first path segment when the input lists none)."""
        return best_prefix(ref.repository, self.prefixes) or ref.repository.split("/")[0]


def not_allowed(lists: list, ref: ImageRef) -> Optional[errors.NotAllowed]:
    """The error for an image a rule's allow or deny list keeps out (the policies would deny its import)."""
    why = allow.repository_refusal(lists, ref.repository)
    return None if why is None else errors.NotAllowed(f"{ref}: {why}; not warmed (no call was made)")


def _run_budget(context) -> float:
    """The scheduled run's deadline: this invocation's end less a minute (or a fifth) for the report."""
    remaining = (context.get_remaining_time_in_millis() / 1000.0) if context is not None else 900.0
    return time.monotonic() + max(0.0, remaining - min(60.0, remaining * 0.2))


def scheduled(event: dict, context) -> dict:
    """Re-warm every image of the schedule's input; report moved tags; write the run's metrics.

    An image that fails is counted (``ImagesFailed``) and logged, never raised: the alarm on that metric
    reports it. Only a malformed input or a bug raises (the function's ``Errors`` metric)."""
    started = time.monotonic()
    run = ScheduledRun(event)
    deadline = _run_budget(context)
    log("scheduled-run", cache=run.cache, images=len(run.refs), platforms=[str(p) for p in run.platforms])
    refused = {r: why for r in run.refs if (why := not_allowed(run.lists, r)) is not None}  # never called
    results = [
        refresh.Refreshed(warm.Outcome(str(r), error=why), refresh.Held(known=False)) for r, why in refused.items()
    ]
    allowed = [r for r in run.refs if r not in refused]
    if allowed:
        results += _rewarm(run, allowed, deadline)
    order = {str(r): i for i, r in enumerate(run.refs)}
    results.sort(key=lambda r: order.get(r.image, 0))  # the input's order
    for r in results:
        error = r.outcome.error
        failure: dict[str, Any] = {"reason": error.reason, "error": str(error)} if error and r.state == "failed" else {}
        log(
            "rewarm",
            image=r.image,
            state=r.state,
            change=_change(r),
            before=r.before.digest,
            after=r.after,
            moved=r.moved,
            seconds=r.outcome.seconds,
            **failure,
        )
    seconds = round(time.monotonic() - started, 3)
    _emit_run_metrics(run, results, seconds)
    summary: dict[str, Any] = {
        "cache": run.cache,
        "images": len(results),
        "warmed": sum(r.state == "warmed" for r in results),
        "failed": sum(r.state == "failed" for r in results),
        "archived": sum(r.state == "archived" for r in results),
        "moved": [{"image": r.image, "before": r.before.digest, "after": r.after} for r in results if r.moved],
        "seconds": seconds,
    }
    log("scheduled-run-done", **summary)
    return summary


def _change(r: refresh.Refreshed) -> str:
    """``moved`` (another digest than before), ``same``, ``new`` (not cached before) or ``unknown``."""
    if r.moved:
        return "moved"
    if r.after is None or not r.before.known:
        return "unknown"
    return "same" if r.before.digest == r.after else "new"


def _emit_run_metrics(run: ScheduledRun, results: list[refresh.Refreshed], seconds: float) -> None:
    """One EMF line per prefix (counts, zeros included, so an alarm sees every run), under the dimension
    sets [Cache] and [Cache, Prefix]; then the run's duration under [Cache]."""
    by_prefix: dict[str, list[refresh.Refreshed]] = {}
    for r in results:
        by_prefix.setdefault(run.prefix_of(parse_image(r.image)), []).append(r)
    dimension_sets = [[metrics.CACHE], [metrics.CACHE, metrics.PREFIX]]
    for prefix, group in sorted(by_prefix.items()):
        dimensions = {metrics.CACHE: run.cache, metrics.PREFIX: prefix}
        durations = [r.outcome.seconds for r in group if r.state == "warmed"]
        values: dict[metrics.Metric, metrics.Value] = {
            metrics.IMAGES_WARMED: sum(r.state == "warmed" for r in group),
            metrics.IMAGES_FAILED: sum(r.state == "failed" for r in group),
            metrics.DIGESTS_CHANGED: sum(r.moved for r in group),
            metrics.IMAGES_ARCHIVED: sum(r.state == "archived" for r in group),
        }
        if durations:
            values[metrics.WARM_SECONDS] = durations[: metrics.MAX_VALUES]
        metrics.emit(metrics.record(values, dimensions, dimension_sets))
        for i in range(metrics.MAX_VALUES, len(durations), metrics.MAX_VALUES):  # EMF: 100 values a metric
            chunk = durations[i : i + metrics.MAX_VALUES]
            metrics.emit(metrics.record({metrics.WARM_SECONDS: chunk}, dimensions, dimension_sets))
    metrics.emit(
        metrics.record(
            {metrics.RUN_SECONDS: seconds}, {metrics.CACHE: run.cache}, [[metrics.CACHE]], images=len(results)
        )
    )


def _rewarm(run: ScheduledRun, refs: list[ImageRef], deadline: float) -> list:
    client = ecr_client()
    try:
        registry = ecr.registry_client(client)
    except errors.WarmError as err:  # no token: every image fails for that one reason
        return [refresh.Refreshed(warm.Outcome(str(r), error=err), refresh.Held(known=False)) for r in refs]
    results = refresh.refresh(
        registry, client, refs, run.platforms, deadline=deadline, concurrency=SCHEDULED_CONCURRENCY
    )
    for r in results:
        if r.outcome.error is not None and not isinstance(r.outcome.error, refresh.ImageArchived):
            r.outcome.error = ecr.explain(r.outcome.error, parse_image(r.image), client)
    return results


def scheduled_handler(event: dict, context) -> dict:
    """Lambda entry point for the EventBridge Scheduler schedule (re-warming)."""
    return scheduled(event, context)


# --- ECR pull-through cache failure events --------------------------------------------------------------
def sns_client():
    """The SNS client (a seam for tests)."""
    import boto3

    return boto3.client("sns", region_name=os.environ.get("AWS_REGION") or None)


def dynamodb_client():
    """The DynamoDB client of the notification window table (a seam for tests)."""
    import boto3

    return boto3.client("dynamodb", region_name=os.environ.get("AWS_REGION") or None)


def pull_through_event(event: dict, context) -> dict:
    """Count, log and (at most once an hour per prefix and failure code) notify one failed pull-through action.

    Environment: CACHE_NAME (the metrics' Cache dimension), TOPIC_ARN and WINDOW_TABLE (no message without)."""
    failure = notify.PullThroughFailure.of(event if isinstance(event, dict) else {})
    cache = os.environ.get("CACHE_NAME") or "ecr-ptc"
    fields: dict[str, Any] = {
        "cache": cache,
        "prefix": failure.prefix,
        "repository": failure.repository,
        "image": failure.reference,
        "upstream": failure.upstream,
        "failure_code": failure.code,
        "failure_reason": failure.reason,
        "sync_status": failure.status,
    }
    log("pull-through-failed", **fields)
    metrics.emit(
        metrics.record(
            {metrics.PULL_THROUGH_FAILURES: 1},
            {metrics.CACHE: cache, metrics.PREFIX: failure.prefix},
            [[metrics.CACHE], [metrics.CACHE, metrics.PREFIX]],
        )
    )
    topic, table = os.environ.get("TOPIC_ARN"), os.environ.get("WINDOW_TABLE")
    published = False
    if topic and table:
        dynamodb = dynamodb_client()
        try:
            published = notify.notify(
                failure, cache=cache, topic_arn=topic, table=table, sns=sns_client(), dynamodb=dynamodb
            )
        except Exception:
            # Not sent: free the window so Lambda's retry of this event sends it.
            notify.forget(dynamodb, table, f"{failure.prefix}#{failure.code}")
            raise
    log(
        "pull-through-notified" if published else "pull-through-counted",
        prefix=failure.prefix,
        failure_code=failure.code,
    )
    return {"published": published}


def pull_through_event_handler(event: dict, context) -> dict:
    """Lambda entry point for the EventBridge rule on ECR's failed pull-through cache actions."""
    return pull_through_event(event, context)


# --- pull-through cache rules (Custom::EcrPtcPullThroughCacheRule) ----------------------------------------
def respond(url: str, body: dict) -> None:
    """PUT the custom resource's answer to CloudFormation's pre-signed URL (a seam for tests)."""
    import json
    import urllib.request

    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="PUT", headers={"Content-Type": ""})
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - CloudFormation's https URL
        answer.read()


def rule_handler(event: dict, context) -> None:
    """Lambda entry point of ``Custom::EcrPtcPullThroughCacheRule`` (this function is its ServiceToken). Every
    request is answered, failures too: an unanswered one would hold the stack for an hour."""
    physical = event.get("PhysicalResourceId") or f"{rules.NOT_CREATED}{event.get('RequestId', '')}"
    status, reason = "SUCCESS", "done"
    try:
        physical = rules.on_event(event, ecr_client())
    except Exception as exc:  # noqa: BLE001 - any failure is CloudFormation's FAILED, with the reason
        status = "FAILED"
        stream = getattr(context, "log_stream_name", "")
        reason = redact(f"{type(exc).__name__}: {exc}")[:900] + (f" (log stream {stream})" if stream else "")
        log("pull-through-cache-rule-failed", logging.ERROR, request=event.get("RequestType"), reason=reason)
    body: dict[str, Any] = {
        "Status": status,
        "Reason": reason,
        "PhysicalResourceId": physical,
        "StackId": event.get("StackId"),
        "RequestId": event.get("RequestId"),
        "LogicalResourceId": event.get("LogicalResourceId"),
        "NoEcho": False,
        "Data": {},
    }
    respond(event["ResponseURL"], body)


# --- organization miss forwarding ---------------------------------------------------------------------
def miss_fill(event: dict, context) -> dict:
    """Fill a spoke's miss in the hub (:func:`fill.run`, configured by the function's environment)."""
    return fill.run(
        event, os.environ, ecr_api=ecr_client(), dynamodb=dynamodb_client(), sns=sns_client, deadline=_budget(context)
    )


def miss_fill_handler(event: dict, context) -> dict:
    """Lambda entry point for the hub's rule on the organization's miss bus."""
    return miss_fill(event, context)


# --- the purge on stack delete (repositories.deleteOnStackDelete) ------------------------------------------
def purge_on_stack_delete_handler(event: dict, context) -> None:
    """Lambda entry point of ``Custom::EcrPtcPurge`` (this function is its ServiceToken): ``purge.on_stack_delete``
    decides, and every request is answered, failures too."""
    from . import purge

    status, reason = purge.on_stack_delete(event, context)
    respond(
        event["ResponseURL"],
        {
            "Status": status,
            "Reason": redact(reason)[:900],
            "PhysicalResourceId": event.get("PhysicalResourceId") or "ecr-ptc-purge",
            "StackId": event.get("StackId"),
            "RequestId": event.get("RequestId"),
            "LogicalResourceId": event.get("LogicalResourceId"),
            "NoEcho": False,
            "Data": {},
        },
    )
