"""doctor's AWS calls: one boto3 session, read-only calls, every failure sorted into :class:`CannotCall`.

A call the credentials may not make becomes "could not check" with the IAM action it needs; throttling
and other failures carry their code and message. :class:`SetupError` is the one failure that stops doctor
(no credentials, no Region).
"""

from __future__ import annotations

import os
from typing import Any, Optional, Sequence

DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"}
THROTTLED = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"}


class CannotCall(Exception):
    """A call that could not be made: denied (``needs`` names the action), throttled, or failed."""

    def __init__(self, message: str, needs: Optional[str] = None) -> None:
        super().__init__(message)
        self.needs = needs


class SetupError(Exception):
    """No credentials, no Region, no STS: doctor cannot start (exit 2)."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


class Aws:
    """Read-only calls through one boto3 session; every failure becomes a :class:`CannotCall` except the error
    codes a caller expects (``missing``), for which ``call`` returns None."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.region: str = session.region_name
        self._clients: dict[str, Any] = {}
        self.last_missing: Optional[str] = None

    def client(self, service: str) -> Any:
        if service not in self._clients:
            from botocore.config import Config

            config = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=10, read_timeout=30)
            self._clients[service] = self.session.client(service, region_name=self.region, config=config)
        return self._clients[service]

    @staticmethod
    def action(client: Any, operation: str) -> str:
        return f"{client.meta.service_model.signing_name}:{client.meta.method_to_api_mapping[operation]}"

    def call(self, service: str, operation: str, missing: Sequence[str] = (), **params: Any) -> Optional[dict]:
        """The answer; None for an error code in ``missing`` (which ``last_missing`` then holds)."""
        client = self.client(service)
        self.last_missing = None
        try:
            return getattr(client, operation)(**params)
        except Exception as exc:  # noqa: BLE001 - botocore's errors, sorted below
            code = self._code(exc)
            if code in missing:
                self.last_missing = code
                return None
            raise self._cannot(exc, code, self.action(client, operation)) from None

    def pages(self, service: str, operation: str, key: str, **params: Any) -> list[dict]:
        client = self.client(service)
        items: list[dict] = []
        try:
            for page in client.get_paginator(operation).paginate(**params):
                items += page.get(key, [])
        except Exception as exc:  # noqa: BLE001
            raise self._cannot(exc, self._code(exc), self.action(client, operation)) from None
        return items

    @staticmethod
    def _code(exc: Exception) -> str:
        return str(getattr(exc, "response", {}).get("Error", {}).get("Code", "")) or type(exc).__name__

    @staticmethod
    def _cannot(exc: Exception, code: str, action: str) -> CannotCall:
        if code in DENIED:
            return CannotCall(f"needs {action}", needs=action)
        if code in THROTTLED:
            return CannotCall(f"{action} was throttled ({code}) after 5 attempts; run doctor again later")
        message = getattr(exc, "response", {}).get("Error", {}).get("Message") or str(exc)
        return CannotCall(f"{action} failed: {code}: {' '.join(str(message).split())}")


def session(region: Optional[str]) -> Any:
    """A boto3 session in ``region``, else AWS_REGION, else boto3's default (AWS_DEFAULT_REGION, the profile)."""
    import boto3

    made = boto3.session.Session(region_name=region or os.environ.get("AWS_REGION") or None)
    if not made.region_name:
        raise SetupError("no AWS Region is set", "set AWS_REGION (or give --region) to the cache's Region")
    return made
