"""Synthesized PullThroughCache stacks, shared by the construct tests. Each synth takes ~4 s: session-scoped."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pytest
from aws_cdk import Acknowledgment, App, CfnOutput, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from ecr_ptc.cache.pull_through_cache import PullThroughCache
from ecr_ptc.cache.rules import UpstreamCredentials, UpstreamRule
from ecr_ptc.cache.settings import AccessSettings, Encryption, RepositorySettings, ScanOnPush, TagMutability

# The feature flags the real app runs with (some change how partitions and ARNs come out).
CONTEXT = json.loads((Path(__file__).resolve().parents[3] / "cdk.json").read_text())["context"]
ENV = {"account": "123456789012", "region": "eu-west-1"}
SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/cgr-AbCdEf"
KMS_KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ORG = "o-abcdefghij"
UPSTREAM_ECR = "444455556666.dkr.ecr.us-east-1.amazonaws.com"


def full_rules() -> list[UpstreamRule]:
    """One rule per way of authenticating: none, created secret, secret name, secret ARN, ECR role."""
    return [
        UpstreamRule.ecr_public(),
        UpstreamRule.docker_hub(UpstreamCredentials.create_placeholder()),
        UpstreamRule.github_container_registry(UpstreamCredentials.from_secret_name("ecr-pullthroughcache/ghcr")),
        UpstreamRule.quay(prefix="team/quay"),
        UpstreamRule.chainguard(UpstreamCredentials.from_secret_arn(SECRET_ARN)),
        UpstreamRule.ecr(UPSTREAM_ECR, upstream_prefix="base"),
        UpstreamRule.ecr(
            "777788889999.dkr.ecr.eu-west-1.amazonaws.com",
            prefix="given-role",
            role_arn="arn:aws:iam::123456789012:role/PtcUpstream",
        ),
    ]


FULL_REPOSITORIES = RepositorySettings(
    tag_mutability=TagMutability.IMMUTABLE,
    expire_untagged_after_days=7,
    keep_last_images=20,
    encryption=Encryption.kms(KMS_KEY),
    tags={"team": "platform", "cost-centre": "42"},
    scan_on_push=ScanOnPush.ENHANCED,
)
FULL_ACCESS = AccessSettings(principals=("222233334444", "arn:aws:iam::555566667777:role/Builder"), organization_id=ORG)


@dataclass
class Synth:
    stack: Stack
    cache: PullThroughCache
    template: Template
    consumer: Optional[iam.Role] = None

    @property
    def json(self) -> dict[str, Any]:
        return self.template.to_json()

    def resolve(self, value: Any) -> Any:
        return self.stack.resolve(value)


def synth(
    rules: list[UpstreamRule],
    *,
    env: Optional[dict[str, str]] = None,
    repositories: Optional[RepositorySettings] = None,
    access: Optional[AccessSettings] = None,
    grant: bool = False,
    acknowledge_grantee: bool = True,
) -> Synth:
    """A stack with one PullThroughCache, synthesized with the cdk-nag plugin: nag findings fail synth."""
    app = App(context=dict(CONTEXT))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    stack = Stack(app, "Cache", env=env)
    cache = PullThroughCache(stack, "Cache", rules=rules, repositories=repositories, access=access)
    for index, command in enumerate(cache.credential_commands.values()):
        CfnOutput(stack, f"SetCredentials{index}", value=command)
    consumer = None
    if grant:
        consumer = iam.Role(stack, "Consumer", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"))
        cache.grant_pull_through(consumer)
        if acknowledge_grantee:
            Validations.of(consumer).acknowledge(
                Acknowledgment(id="AwsSolutions-IAM5[Resource::*]", reason="ecr:GetAuthorizationToken only takes '*'")
            )
    app.synth()  # runs the validation plugins
    return Synth(stack, cache, Template.from_stack(stack), consumer)


@pytest.fixture(scope="session")
def full() -> Synth:
    """Every feature, environment-agnostic (partition, Region and account are tokens)."""
    return synth(full_rules(), repositories=FULL_REPOSITORIES, access=FULL_ACCESS, grant=True)


@pytest.fixture(scope="session")
def full_env() -> Synth:
    """Every feature in a stack with a concrete account and Region."""
    return synth(full_rules(), env=ENV, repositories=FULL_REPOSITORIES, access=FULL_ACCESS)


@pytest.fixture(scope="session")
def minimal() -> Synth:
    """One public rule, no settings: the defaults."""
    return synth([UpstreamRule.ecr_public()])


@pytest.fixture(scope="session")
def root_accounts() -> Synth:
    """A ROOT rule, basic scanning, tags without KMS, access for accounts only (no organization)."""
    return synth(
        [UpstreamRule.ecr_public(prefix="ROOT")],
        env=ENV,
        repositories=RepositorySettings(scan_on_push=ScanOnPush.BASIC, tags={"team": "platform"}, keep_last_images=5),
        access=AccessSettings(principals=("222233334444",)),
    )
