"""The app's composition: one cache stack (plus an optional workstation stack) per environment."""

from __future__ import annotations

from typing import Optional

from aws_cdk import App, Stack
from aws_cdk import Environment as CdkEnvironment

from ecr_ptc_app.config import AppConfig, Environment

from .cache_stack import CacheStack
from .governance import govern

STACK_PREFIX = "EcrPtc"


def stack_name(env: Optional[Environment]) -> str:
    """The cache stack's name: ``EcrPtc`` without an environment, else ``EcrPtc-<account>-<region>``."""
    if env is None:
        return STACK_PREFIX
    return "-".join(filter(None, (STACK_PREFIX, env.account, env.region)))


def add_checks(app: App) -> bool:
    """cdk-nag AwsSolutions on every synth, unless ``-c nag=false`` (for pipelines that run the
    checks once, e.g. in ``make test``, and synthesize many accounts): it costs about 0.3 s a synth,
    most of it loading the L1 modules of the services its rules know."""
    if str(app.node.try_get_context("nag")).lower() == "false":
        return False
    from aws_cdk import Validations
    from cdk_nag import AwsSolutionsChecks

    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return True


def build_app(app: App, config: AppConfig) -> list[Stack]:
    """Every stack of ``config`` in ``app``: a cache stack (and workstation stack) per environment, the
    organization rollout's StackSet stack, the config's ``iam`` and ``tags`` on all of them."""
    stacks: list[Stack] = []
    for env in config.environments or (None,):
        name = stack_name(env)
        cdk_env = CdkEnvironment(account=env.account, region=env.region) if env else None
        cache = CacheStack(
            app,
            name,
            env=cdk_env,
            rules=config.rules,
            repositories=config.repositories,
            access=config.access,
            warm=config.warm,
            registry=config.registry,
            prefix_repositories=config.prefix_repositories,
            template_role_arn=config.iam.template_role_arn if config.iam else None,
            consumer_role_names=config.consumer_role_names,
            monitoring=config.monitoring,
            description="ECR pull-through cache (ecr-ptc)",
        )
        stacks.append(cache)
        if config.workstation is not None:
            from .workstation_stack import WorkstationStack

            station = WorkstationStack(
                app,
                f"{name}-workstation",
                env=cdk_env,
                settings=config.workstation,
                consumer_policy=cache.cache.consumer_policy,
                registry_uri=cache.cache.registry_uri,
                smoke_test_images=cache.cache.smoke_test_images(),
                cache_prefixes=list(cache.cache.prefixes),
                description="ECR pull-through cache workstation (ecr-ptc)",
            )
            station.add_stack_dependency(cache, "the workstation uses the cache's consumer policy")
            stacks.append(station)
    if config.organization is not None:  # the one environment is the hub: add the StackSet and its spoke
        from .organization import build_organization

        stacks += build_organization(app, config, cache, STACK_PREFIX)
    govern(stacks, config)
    return stacks
