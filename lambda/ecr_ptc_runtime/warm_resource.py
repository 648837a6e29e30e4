"""The deploy-time warm's resource (``Custom::EcrPtcWarmImage``): its ResourceProperties checked, and what the
Provider's onEvent and isComplete share (``handler.on_event``, ``handler.is_complete``: the entry points stay
there): the answer on failure, the blob touches, the explanation of an error."""

from __future__ import annotations

from . import allow, ecr, errors, refresh, warm
from .images import ImageRef, Platform, parse_image, parse_platform
from .logs import log, redact

DEFAULT_TIMEOUT = 900
TRANSIENT = (errors.DeadlineExceeded, errors.RegistryUnavailable, errors.RateLimited)


class Props:
    """A ``Custom::EcrPtcWarmImage``'s ResourceProperties, checked: ``Image``, ``Platforms``, ``TimeoutSeconds``
    and ``OnFailure`` (``fail`` or ``warn``).

    :raises ValueError: for a timeout that is not a positive whole number, or another ``OnFailure``.
    """

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
        self.lists = allow.lists_of(props.get("Lists") or [])  # the rules' allow/deny lists (none: all allowed)

    @property
    def hint(self) -> str:
        """Where to look when the upstream refuses: the credential secret of the image's cache rule."""
        prefix = self.ref.repository.split("/")[0]
        return f"the credential secret (ecr-pullthroughcache/...) of the cache rule for prefix '{prefix}'"


def failed(props: Props, err: Exception, data: dict) -> dict:
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


def touch_all(registry, props: Props, blobs: dict, deadline: float) -> list[Exception]:
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


def explain(err: errors.WarmError, ref: ImageRef, client) -> errors.WarmError:
    """``ecr.explain``, and first: a tag ECR moved to the archive storage class (a lifecycle rule on days since
    the last pull) cannot be pulled until it is restored; say so, with the command."""
    if isinstance(err, (errors.ImageNotFound, errors.AccessDenied, errors.RepositoryNotFound)):
        before = refresh.held(client, ref)
        if before.archived:
            return refresh.archived_error(ref, before, warmed=True)
    return ecr.explain(err, ref, client)


def describe(err: Exception) -> dict:
    """Log fields for an error: its reason code and its (redacted) text."""
    if isinstance(err, errors.WarmError):
        return {"reason": err.reason, "error": str(err)}
    return {"reason": "error", "error": redact(f"{type(err).__name__}: {err}")}
