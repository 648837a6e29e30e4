"""Organization rollouts synthesized through the construct library (no YAML), with cdk-nag as the app runs it.

Each synth builds three stacks (hub, StackSet, spoke in its own Stage) in about 10 s: session-scoped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

import pytest
from aws_cdk import App, Environment, Stack, Validations
from cdk_nag import AwsSolutionsChecks

from ecr_ptc.cache.pull_through_cache import PullThroughCache
from ecr_ptc.cache.rules import UpstreamCredentials, UpstreamRule
from ecr_ptc.cache.settings import AccessSettings, Encryption, RepositorySettings
from ecr_ptc.organization.organization_cache import OrganizationCache
from ecr_ptc.organization.settings import (
    DeploymentTargets,
    HubLocation,
    OrganizationSettings,
    PublicUpstreams,
    StackSetLocation,
)
from tests.app.synth import CONTEXT

HUB = HubLocation(account="111111111111", region="eu-west-1")
STACK_SET = StackSetLocation(account="222222222222", region="us-east-1", call_as="DELEGATED_ADMIN")
ORG = "o-a1b2c3d4e5"
TARGETS = DeploymentTargets(organizational_units=("ou-ab12-34567890", "r-ab12"), regions=("eu-west-1", "us-east-1"))
SECRET = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:ecr-pullthroughcache/docker-hub-AbCdEf"
KMS_KEY = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BASELINE = (
    "arn:aws:cloudformation:us-east-1:222222222222:stackset/account-baseline:0c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f"
)


def settings(**overrides: Any) -> OrganizationSettings:
    values: dict[str, Any] = {"hub": HUB, "stack_set": STACK_SET, "organization_id": ORG, "targets": TARGETS}
    return OrganizationSettings(**{**values, **overrides})


RULES = (
    UpstreamRule.ecr_public(),
    UpstreamRule.docker_hub(UpstreamCredentials.from_secret_arn(SECRET)),
    UpstreamRule.quay(prefix="team/quay", upstream_prefix="prometheus"),
    UpstreamRule.ecr("444455556666.dkr.ecr.us-east-1.amazonaws.com", prefix="golden", upstream_prefix="base"),
)


@dataclass
class Rollout:
    app: App
    organization: OrganizationCache
    hub: dict
    stack_set: dict
    spoke: dict

    def resources(self, template: dict, kind: str) -> dict[str, dict]:
        return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def synth(
    rules=RULES,
    *,
    repositories: Optional[RepositorySettings] = None,
    access: Optional[AccessSettings] = None,
    **setting_overrides: Any,
) -> Rollout:
    app = App(context=dict(CONTEXT))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    hub_stack = Stack(app, "Hub", env=Environment(account=HUB.account, region=HUB.region))
    cache = PullThroughCache(
        hub_stack,
        "Cache",
        rules=list(rules),
        repositories=repositories,
        access=access or AccessSettings(organization_id=ORG),
    )
    holder = Stack(app, "Holder", env=Environment(account=STACK_SET.account, region=STACK_SET.region))
    organization = OrganizationCache(holder, "Organization", hub=cache, settings=settings(**setting_overrides))
    assembly = app.synth()  # runs the validation plugins: a cdk-nag finding fails here
    stacks = {s.stack_name: s.template for s in assembly.stacks_recursively}
    spoke = organization.spoke.stack_name
    return Rollout(app, organization, stacks["Hub"], stacks["Holder"], json.loads(json.dumps(stacks[spoke])))


@pytest.fixture(scope="session")
def rollout() -> Rollout:
    """Four rules (public, Docker Hub, an upstream prefix, ECR-to-ECR), through the hub; automatic deployments
    after an account baseline's."""
    return synth(auto_deploy_depends_on=(BASELINE,))


@pytest.fixture(scope="session")
def direct_kms_tags() -> Rollout:
    """Public upstreams direct, a customer KMS key and tags in the hub, a ROOT rule, the management account,
    no miss forwarding."""
    return synth(
        (
            UpstreamRule.k8s(),
            UpstreamRule.chainguard(
                UpstreamCredentials.from_secret_arn(SECRET.replace("docker-hub", "cg")), prefix="ROOT"
            ),
        ),
        repositories=RepositorySettings(encryption=Encryption.kms(KMS_KEY), tags={"team": "platform"}),
        access=AccessSettings(principals=("333344445555",), organization_id=ORG),
        public_upstreams=PublicUpstreams.DIRECT,
        stack_set=StackSetLocation(account="222222222222", region="us-east-1"),
        region_concurrency="PARALLEL",
        auto_deploy=False,
        fill_on_miss=False,
    )
