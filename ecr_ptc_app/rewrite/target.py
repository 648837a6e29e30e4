"""What ``ecr-ptc uri`` and ``ecr-ptc rewrite`` share: the cache registry, the config's rules, and how an
uncovered reference is explained. Standard library and the config loader only (boto3 only without
``--registry``): neither command starts the CDK's jsii runtime.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Sequence

if TYPE_CHECKING:
    from ecr_ptc_runtime.mapping import CacheRule
    from ecr_ptc_runtime.references import Reference

    from ..config import AppConfig

REGISTRY_EXAMPLE = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
REGISTRY_FIX = (
    f"give --registry <account>.dkr.ecr.<region>.amazonaws.com (e.g. {REGISTRY_EXAMPLE}), or AWS credentials "
    "and a Region (AWS_PROFILE, AWS_REGION) of the cache's account"
)


class CommandError(Exception):
    """Bad usage, config or AWS set-up: exit 2, with the fix when one is known."""

    def __init__(self, message: str, fix: Optional[str] = None) -> None:
        super().__init__(message)
        self.fix = fix


@dataclass(frozen=True)
class Target:
    """Where workloads should pull from: the config's rules and the cache registry."""

    config: AppConfig
    registry: str
    warnings: tuple[str, ...] = ()

    @property
    def rules(self) -> Sequence[CacheRule]:
        return self.config.rules


def load(config_path: Optional[str]) -> AppConfig:
    from ..config import ConfigError, load_config

    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise CommandError("\n".join(exc.lines()), f"run ecr-ptc validate {exc.file} and fix what it reports") from None


def registry_host(value: str) -> str:
    """``https://1234...amazonaws.com/`` -> ``1234...amazonaws.com``; refuses what is not a private ECR registry."""
    from ecr_ptc_runtime.upstreams import ECR_URL

    host = value.strip().removeprefix("https://").rstrip("/")
    if not ECR_URL.pattern.match(host):
        raise CommandError(
            f"--registry {value!r} is not a private ECR registry host",
            f"give <account>.dkr.ecr.<region>.amazonaws.com, e.g. {REGISTRY_EXAMPLE}",
        )
    return host


def registry_of_credentials() -> str:
    """``<account>.dkr.ecr.<region>.amazonaws.com`` of the current AWS credentials (``sts:GetCallerIdentity``).

    The Region: AWS_REGION, else AWS_DEFAULT_REGION or the profile's (what ``ecr-ptc warm`` uses too)."""
    try:
        import boto3

        session = boto3.session.Session(region_name=os.environ.get("AWS_REGION") or None)
        region = session.region_name
        if not region:
            raise CommandError("no AWS Region is set, so the cache registry is unknown", REGISTRY_FIX)
        account = session.client("sts", region_name=region).get_caller_identity()["Account"]
    except CommandError:
        raise
    except Exception as exc:  # no credentials, no network: botocore's own words
        raise CommandError(
            f"cannot tell the cache registry from the AWS credentials ({type(exc).__name__}: {exc})", REGISTRY_FIX
        ) from None
    return f"{account}.dkr.ecr.{region}.amazonaws.com"


def target(config_path: Optional[str], registry: Optional[str]) -> Target:
    """The config's rules and the registry (``--registry``, else the credentials')."""
    config = load(config_path)
    host = registry_host(registry) if registry else registry_of_credentials()
    warnings = []
    account, region = host.split(".")[0], host.split(".")[3]
    if config.environments and not any(
        e.region == region and e.account in (None, account) for e in config.environments
    ):
        where = ", ".join(f"{e.account or '<deploying account>'}/{e.region}" for e in config.environments)
        warnings.append(f"{config.file} deploys the cache to {where}, not to {account}/{region} ({host})")
    return Target(config, host, tuple(warnings))


def uncovered(reference: Reference, rules: Sequence[CacheRule], config_file: str) -> tuple[str, str]:
    """Why no rule covers ``reference``, and what to do: (problem, fix)."""
    from ecr_ptc_runtime.mapping import reference_hosts
    from ecr_ptc_runtime.upstreams import MOVED_HOSTS, upstream_of_host

    same_host = [r for r in rules if reference.domain in reference_hosts(r)]
    if same_host:
        scopes = ", ".join(f"{r.prefix} ({reference.domain}/{r.upstream_prefix}/...)" for r in same_host)
        return (
            f"no cache rule covers {reference.domain}/{reference.path}: the rules for {reference.domain} cover "
            f"only their upstream prefix: {scopes}",
            f"add a rule for {reference.domain} without upstreamPrefix (or with one that covers it) to {config_file}",
        )
    moved = MOVED_HOSTS.get(reference.host)
    if moved is not None:
        now = f"{moved}/{reference.path}{reference.suffix}"
        how = f"write it as {now} (ecr-ptc uri {now})"
        if not any(moved in reference_hosts(r) for r in rules):
            how += f", and add a rule {{upstream: {upstream_of_host(moved).name}}} to {config_file}"  # type: ignore[union-attr]
        return f"no cache rule covers {reference.domain}, which moved to {moved}", how
    upstream = upstream_of_host(reference.domain)
    if upstream is None:
        how = f"no ECR upstream serves {reference.domain}: pull it from there, or copy it into a repository of your own"
    elif upstream.url is None:
        how = f"add a rule {{upstream: {upstream.name}, registryUrl: {reference.domain}}} to {config_file}"
    else:
        how = f"add a rule {{upstream: {upstream.name}}} to {config_file}"
    return f"no cache rule covers {reference.domain}", how


__all__ = ["CommandError", "Target", "load", "registry_host", "registry_of_credentials", "target", "uncovered"]
