"""Who the credentials are and whether the config deploys to their account and Region."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .aws import SetupError
from .context import OK, PROBLEM, Context

if TYPE_CHECKING:
    from ..config import AppConfig
    from .aws import Aws


def identify(config: AppConfig, aws: Aws) -> Context:
    """The caller's account and partition (``sts:GetCallerIdentity``, which needs no permission).

    :raises SetupError: without credentials or when STS cannot be reached.
    """
    try:
        me = aws.client("sts").get_caller_identity()
    except Exception as exc:  # noqa: BLE001 - NoCredentialsError, ExpiredToken, no network...
        unreachable = "Connect" in type(exc).__name__ or "Endpoint" in type(exc).__name__
        raise SetupError(
            f"cannot tell who these AWS credentials are ({type(exc).__name__}: {' '.join(str(exc).split())})",
            "check that this machine reaches AWS STS (network, HTTPS_PROXY/NO_PROXY) and that the Region is right"
            if unreachable
            else "configure credentials of the cache's account (aws configure, AWS_PROFILE, aws sso login)",
        ) from None
    arn = me["Arn"]
    partition = arn.split(":")[1]
    environment = next(
        (e for e in config.environments if e.region == aws.region and e.account in (None, me["Account"])), None
    )
    return Context(config, aws, me["Account"], partition, arn, environment)


def check_environment(ctx: Context) -> bool:
    """Does the config deploy to this account and Region? (False: every other check would look elsewhere.)"""
    envs = ctx.config.environments
    if envs and ctx.environment is None:
        where = ", ".join(f"{e.account or '<any account>'}/{e.region}" for e in envs)
        ctx.add(
            "identity",
            ctx.caller,
            PROBLEM,
            f"{ctx.config.file} deploys the cache to {where}, these credentials are for {ctx.account}/{ctx.region}: "
            "nothing else was checked",
            f"use credentials and a Region of one of those (AWS_PROFILE=..., AWS_REGION=... or --region), "
            f"e.g. AWS_REGION={envs[0].region} ecr-ptc doctor --config {ctx.config.file}",
        )
        return False
    ctx.add("identity", ctx.caller, OK, f"account {ctx.account}, {ctx.region}, registry {ctx.registry}")
    return True
