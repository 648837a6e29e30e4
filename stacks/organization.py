"""The app with ``organization``: the StackSet's stack and the spoke it deploys, next to the hub's cache stack.

``compose.build_app`` builds the hub as the one environment's cache stack (``EcrPtc-<account>-<region>``,
with ``access`` granting the organization: the loader adds it), then this adds:

* ``EcrPtc-<account>-<region>-stackset`` in ``organization.stackSet``: the StackSet, depending on the hub;
* ``EcrPtcSpoke/Template``: the spoke, in a Stage of its own: synthesized and checked with the app, never
  deployed by ``cdk deploy --all`` (top-level stacks only); the StackSet deploys it.
"""

from __future__ import annotations

from aws_cdk import App, CfnOutput, Stack
from aws_cdk import Environment as CdkEnvironment

from ecr_ptc.organization.organization_cache import OrganizationCache
from ecr_ptc.organization.spoke import CONSUMER_POLICY_NAME_PREFIX, CONSUMER_POLICY_PATH
from ecr_ptc_app.config import AppConfig

from .cache_stack import CacheStack
from .governance import govern  # the config's iam and tags, on the spoke as on every stack

SPOKE_STAGE_ID = "EcrPtcSpoke"


def stack_set_stack_name(stack_prefix: str, account: str, region: str) -> str:
    """The StackSet's stack name: ``<prefix>-<account>-<region>-stackset``."""
    return "-".join((stack_prefix, account, region, "stackset"))


def build_organization(app: App, config: AppConfig, hub: CacheStack, stack_prefix: str) -> list[Stack]:
    """The StackSet's stack for ``config.organization``, the hub being ``hub``; the spoke's Stage is built
    alongside. Returns the new top-level stacks (the StackSet's)."""
    settings = config.organization
    assert settings is not None and settings.stack_set is not None
    where = settings.stack_set
    holder = Stack(
        app,
        stack_set_stack_name(stack_prefix, where.account, where.region),
        env=CdkEnvironment(account=where.account, region=where.region),
        description="ecr-ptc: the StackSet that puts a spoke in every target account and Region",
    )
    organization = OrganizationCache(
        holder,
        "Organization",
        hub=hub.cache,
        settings=settings,
        spoke_stage_id=SPOKE_STAGE_ID,
        monitoring=hub.monitoring,
    )
    CfnOutput(
        holder,
        "StackSetId",
        value=organization.stack_set.stack_set.attr_stack_set_id,
        description="aws cloudformation list-stack-instances --stack-set-name <this> lists every spoke",
    )
    CfnOutput(
        holder,
        "SpokeConsumerPolicy",
        value=f"arn:aws:iam::<account>:policy{CONSUMER_POLICY_PATH}{CONSUMER_POLICY_NAME_PREFIX}<region>",
        description="Attach to roles in member accounts that pull through their spoke (first pulls included)",
    )
    govern([organization.spoke], config)
    return [holder]


__all__ = ["SPOKE_STAGE_ID", "build_organization", "stack_set_stack_name"]
