"""CloudFormation custom resource (CDK Provider framework): warm one image in the caller's ECR.

Entry points: :func:`on_event_handler` and :func:`is_complete_handler`, one Lambda function each (the
Provider's onEvent and isComplete); a scheduled or CLI trigger gets an entry point of its own.
ResourceProperties: Image (``<prefix>/<repo>:<tag>``), Platforms (list, empty = all),
TimeoutSeconds (deadline for is_complete, counted from Create/Update), OnFailure (fail|warn).
"""

from __future__ import annotations

import time
from typing import Optional

from . import ecr, errors, warm
from .logs import log, redact
from .names import ImageRef, Platform, parse_image, parse_platform

DEFAULT_TIMEOUT = 900
TRANSIENT = (errors.DeadlineExceeded, errors.RegistryUnavailable, errors.RateLimited)


def ecr_client():
    """The ECR client (a seam for tests)."""
    return ecr.client()


class Props:
    def __init__(self, props: dict) -> None:
        self.image: str = props.get("Image", "")
        self.ref: ImageRef = parse_image(self.image)
        raw = props.get("Platforms") or []
        if isinstance(raw, str):
            raw = [raw]
        self.platforms: list[Platform] = [parse_platform(p) for p in raw]
        try:
            self.timeout = int(props.get("TimeoutSeconds", DEFAULT_TIMEOUT))
        except (TypeError, ValueError):
            raise ValueError(
                f"TimeoutSeconds {props.get('TimeoutSeconds')!r} is not a whole number of seconds"
            ) from None
        if self.timeout <= 0:
            raise ValueError(f"TimeoutSeconds must be positive, got {self.timeout}")
        self.on_failure = str(props.get("OnFailure", "fail")).lower()
        if self.on_failure not in ("fail", "warn"):
            raise ValueError(f"OnFailure must be 'fail' or 'warn', got {props.get('OnFailure')!r}")

    @property
    def hint(self) -> str:
        prefix = self.ref.repository.split("/")[0]
        return f"the credential secret (ecr-pullthroughcache/...) of the cache rule for prefix '{prefix}'"


def _budget(context, deadline_epoch: Optional[float] = None) -> float:
    """A monotonic deadline: this invocation's end less a margin to answer, and (when given) no
    later than the resource deadline."""
    remaining = (context.get_remaining_time_in_millis() / 1000.0) if context is not None else 60.0
    margin = min(10.0, max(1.0, remaining * 0.1))
    limit = remaining - margin if deadline_epoch is None else min(remaining - margin, deadline_epoch - time.time())
    return time.monotonic() + max(0.0, limit)


def _failed(props: Props, err: Exception, data: dict) -> dict:
    """OnFailure=fail: raise (the Provider framework reports the message); warn: succeed with a Warning."""
    reason = redact(str(err))
    log(
        "warm-failed",
        image=props.image,
        on_failure=props.on_failure,
        reason=getattr(err, "reason", "error"),
        error=reason,
    )
    if props.on_failure == "fail":
        raise errors.WarmError(reason) if not isinstance(err, errors.WarmError) else err
    return {**data, "Digest": "", "Image": props.image, "Warning": reason}


def _touch(registry, props: Props, blobs: dict, deadline: float) -> list[Exception]:
    """Touch every blob, going on past one that fails; returns the failures (empty: all answered).
    A registry-wide error, or anything unexpected, ends the round and is the last failure."""
    failed: list[Exception] = []
    try:
        warm.touch(
            registry,
            props.ref.repository,
            blobs,
            "ecr",
            deadline=deadline,
            on_error=lambda digest, err: failed.append(err),
        )
    except Exception as err:  # noqa: BLE001 - is_complete retries whatever this is and reports it at the deadline
        failed.append(err)
    return failed


def _describe(err: Exception) -> dict:
    """Log fields for an error: its reason code and its (redacted) text."""
    if isinstance(err, errors.WarmError):
        return {"reason": err.reason, "error": str(err)}
    return {"reason": "error", "error": redact(f"{type(err).__name__}: {err}")}


def on_event(event: dict, context) -> dict:
    request = event.get("RequestType")
    props_in = event.get("ResourceProperties") or {}
    log("on-event", request=request, image=props_in.get("Image"), physical_id=event.get("PhysicalResourceId"))
    if request == "Delete":
        return {"PhysicalResourceId": event.get("PhysicalResourceId") or props_in.get("Image", "none"), "Data": {}}
    props = Props(props_in)
    deadline_epoch = int(time.time() + props.timeout)
    data = {"Image": props.image, "Deadline": deadline_epoch}
    answer = {"PhysicalResourceId": props.image, "Data": data}
    client = ecr_client()
    try:
        registry = ecr.registry_client(client, upstream_hint=props.hint)
    except errors.WarmError as err:
        answer["Data"] = _failed(props, err, data)
        return answer
    budget = _budget(context, deadline_epoch)
    try:
        resolved = warm.resolve(registry, props.ref, props.platforms, deadline=budget)
    except errors.WarmError as err:
        answer["Data"] = _failed(props, ecr.explain(err, props.ref, client), data)
        return answer
    data["Digest"] = resolved.digest
    # Never fail over a blob here (ECR answers 404 for a layer while its import runs, say):
    # is_complete re-touches what is missing and fails at the deadline, naming it.
    failed = _touch(registry, props, resolved.blobs(), budget)
    if failed:
        log(
            "touch-deferred",
            image=props.image,
            blobs_failed=len(failed),
            blobs=len(resolved.blobs()),
            **_describe(failed[-1]),
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
    if event.get("RequestType") == "Delete":
        return {"IsComplete": True}
    props = Props(event.get("ResourceProperties") or {})
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
        failed = _touch(registry, props, {d: None for d in missing}, touch_budget)
        if failed:  # a blob's own error, not the tag's: ecr.explain would misname it
            problem = failed[-1]
            log("is-complete-error", image=props.image, blobs_failed=len(failed), **_describe(problem))
    except errors.WarmError as err:
        problem = err if isinstance(err, TRANSIENT) else ecr.explain(err, props.ref, client)
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
    return {"IsComplete": True, "Data": _failed(props, late, {"Image": props.image})}


def on_event_handler(event: dict, context) -> dict:
    """Lambda entry point for the Provider's onEvent."""
    return on_event(event, context)


def is_complete_handler(event: dict, context) -> dict:
    """Lambda entry point for the Provider's isComplete."""
    return is_complete(event, context)
