"""Amazon ECR specifics (boto3): the registry token, error explanations, import status."""

from __future__ import annotations

import base64
import os
from typing import Iterable, Optional

try:  # boto3 ships in the Lambda runtime; the package itself loads on the standard library alone
    import botocore.exceptions as _botocore_errors

    ClientError: type[Exception] = _botocore_errors.ClientError
    BotoCoreError: type[Exception] = _botocore_errors.BotoCoreError
except ImportError:  # pragma: no cover - then no botocore call can raise them either
    ClientError = BotoCoreError = type("BotocoreMissing", (Exception,), {})

from . import errors
from .images import ImageRef
from .logs import log, register_secret
from .oci_client import Credentials, RegistryClient


def client(region: Optional[str] = None):
    """An ECR client in ``region``, else AWS_REGION, else boto3's default (AWS_DEFAULT_REGION, the profile).

    botocore reads only AWS_DEFAULT_REGION; AWS_REGION is what Lambda, most SDKs and the AWS CLI v2
    (ahead of AWS_DEFAULT_REGION) go by, and what our error messages tell people to set."""
    import boto3

    return boto3.client("ecr", region_name=region or os.environ.get("AWS_REGION") or None)


def registry_client(ecr, *, timeout: float = 30.0, upstream_hint: Optional[str] = None) -> RegistryClient:
    """A registry client for the caller's ECR registry: ``ecr:GetAuthorizationToken``, Basic auth,
    endpoint from ``proxyEndpoint``."""
    try:
        data = ecr.get_authorization_token()["authorizationData"][0]
    except ClientError as exc:
        code = _code(exc)
        if code in ("AccessDeniedException", "AccessDenied"):
            raise errors.AccessDenied(
                "ecr:GetAuthorizationToken was denied: the caller needs it on resource *",
                action="ecr:GetAuthorizationToken",
            ) from None
        raise errors.RegistryUnavailable(f"ecr:GetAuthorizationToken failed: {code}") from None
    token = data["authorizationToken"]
    register_secret(token)
    username, _, password = base64.b64decode(token).decode().partition(":")
    register_secret(password)
    return RegistryClient(
        data["proxyEndpoint"],
        Credentials(username, password),
        preemptive_basic=True,
        timeout=timeout,
        upstream_hint=upstream_hint,
    )


def _error_code(exc: Exception) -> str:
    return _code(exc) if isinstance(exc, ClientError) else type(exc).__name__


def _code(exc: Exception) -> str:
    """The error code of a botocore ClientError (``AccessDeniedException``...)."""
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


def repository_exists(ecr, repository: str) -> Optional[bool]:
    """True/False, or None when the caller may not ask (ecr:DescribeRepositories denied)."""
    try:
        ecr.describe_repositories(repositoryNames=[repository])
        return True
    except (ClientError, BotoCoreError) as exc:
        return False if _error_code(exc) == "RepositoryNotFoundException" else None


def rule_prefixes(ecr) -> Optional[list[str]]:
    """The registry's pull-through cache rule prefixes, or None when they cannot be listed."""
    try:
        prefixes = []
        for page in ecr.get_paginator("describe_pull_through_cache_rules").paginate():
            prefixes += [r["ecrRepositoryPrefix"] for r in page.get("pullThroughCacheRules", [])]
        return prefixes
    except (ClientError, BotoCoreError, NotImplementedError) as exc:
        log("rules-unavailable", error=_error_code(exc))
        return None


def explain(err: errors.WarmError, ref: ImageRef, ecr) -> errors.WarmError:
    """Turn a registry error into one that names its cause in ECR terms (rule, IAM action).
    Never raises: when the ECR API cannot tell, the original error is returned."""
    try:
        return _explain(err, ref, ecr)
    except Exception as exc:  # noqa: BLE001 - the explanation is a bonus
        log("explain-failed", error=type(exc).__name__)
        return err


def _explain(err: errors.WarmError, ref: ImageRef, ecr) -> errors.WarmError:
    if not isinstance(err, (errors.RepositoryNotFound, errors.AccessDenied, errors.ImageNotFound)):
        return err
    exists = repository_exists(ecr, ref.repository)
    if exists:
        if isinstance(err, errors.AccessDenied):
            return errors.AccessDenied(
                f"{ref}: access denied on an existing cache repository: the caller lacks "
                f"ecr:BatchImportUpstreamImage (or ecr:BatchGetImage) on {ref.repository} ({err})",
                action="ecr:BatchImportUpstreamImage",
            )
        if isinstance(err, errors.ImageNotFound):
            return errors.ImageNotFound(
                f"{ref}: tag {ref.tag} not found: it does not exist upstream, or the caller lacks "
                f"ecr:BatchImportUpstreamImage on {ref.repository} ({err})"
            )
        return err
    # The repository is not there (or we may not look): the pull did not create it.
    prefixes = rule_prefixes(ecr)
    if prefixes is not None and not any(ref.has_prefix(p) for p in prefixes):
        return errors.NoSuchRule(
            f"{ref}: no pull-through cache rule covers this repository (rule prefixes: "
            f"{', '.join(prefixes) or 'none'}); the image's first path segment(s) must be a rule's prefix"
        )
    upstream_missing = isinstance(err, errors.ImageNotFound)
    causes = (
        (["no pull-through cache rule covers its prefix"] if prefixes is None else [])
        + (["the image does not exist upstream"] if upstream_missing else [])
        + ["the caller lacks ecr:CreateRepository (needed for the first pull through the cache rule)"]
    )
    text = (
        f"{ref}: repository {ref.repository} does not exist and the pull did not create it: "
        + (causes[0] if len(causes) == 1 else "either " + ", or ".join(causes))
        + f" ({err})"
    )
    if len(causes) == 1:
        return errors.AccessDenied(text, action="ecr:CreateRepository")
    return (errors.ImageNotFound if upstream_missing else errors.RepositoryNotFound)(text)


def image_digest(ecr, ref: ImageRef) -> Optional[str]:
    """The digest ECR lists for the tag (``ecr:DescribeImages``), None while it is not there."""
    try:
        details = ecr.describe_images(repositoryName=ref.repository, imageIds=[{"imageTag": ref.tag}])["imageDetails"]
    except ClientError as exc:
        if _error_code(exc) in ("RepositoryNotFoundException", "ImageNotFoundException"):
            return None
        raise
    return details[0]["imageDigest"] if details else None


def missing_blobs(ecr, repository: str, digests: Iterable[str]) -> list[str]:
    """The digests ``ecr:BatchCheckLayerAvailability`` does not report AVAILABLE."""
    digests = list(digests)
    missing: list[str] = []
    for i in range(0, len(digests), 100):
        batch = digests[i : i + 100]
        try:
            answer = ecr.batch_check_layer_availability(repositoryName=repository, layerDigests=batch)
        except ClientError as exc:
            if _error_code(exc) == "RepositoryNotFoundException":
                return digests
            raise
        available = {
            layer["layerDigest"] for layer in answer.get("layers", []) if layer.get("layerAvailability") == "AVAILABLE"
        }
        missing += [d for d in batch if d not in available]
    return missing
