"""Errors a user can act on. Every message passes through :func:`logs.redact`."""

from __future__ import annotations

from .logs import redact


class WarmError(Exception):
    """Base class; ``reason`` is a short stable code for tables and CloudFormation outputs."""

    reason = "error"

    def __init__(self, message: str) -> None:
        super().__init__(redact(message))

    @property
    def message(self) -> str:
        return str(self)


class RepositoryNotFound(WarmError):
    reason = "no-such-repository"


class NoSuchRule(RepositoryNotFound):
    reason = "no-such-rule"


class ImageNotFound(WarmError):
    reason = "image-not-found"


class NotAllowed(WarmError):
    """A rule's allow or deny list keeps the image out: refused before any call."""

    reason = "not-allowed"


class PlatformNotFound(WarmError):
    reason = "platform-not-found"


class CredentialsRejected(WarmError):
    """The registry we talk to rejected our credentials (or demanded some we do not have)."""

    reason = "credentials-rejected"


class UpstreamCredentialsRejected(WarmError):
    """The pull-through cache's upstream rejected the cache rule's credentials."""

    reason = "upstream-credentials-rejected"


class RateLimited(WarmError):
    reason = "rate-limited"


class AccessDenied(WarmError):
    reason = "access-denied"

    def __init__(self, message: str, action: str | None = None) -> None:
        self.action = action
        super().__init__(message)


class RegistryUnavailable(WarmError):
    """5xx, resets or timeouts until the deadline."""

    reason = "registry-unavailable"


class DeadlineExceeded(WarmError):
    reason = "deadline-exceeded"


class BadContent(WarmError):
    """A blob or manifest did not match its digest or size, or a manifest could not be read."""

    reason = "bad-content"
