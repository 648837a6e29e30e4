"""The library API for other CDK apps: a cache deployed elsewhere, and IRole/IKey/ISecret where users hold them."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.assertions import Template

from ecr_ptc import (
    CacheWarmer,
    Encryption,
    IPullThroughCache,
    PullThroughCache,
    RepositorySettings,
    UpstreamCredentials,
    UpstreamRule,
    ValidationError,
    WarmSettings,
)

from .helpers import normalised, of_type

ENV = {"account": "123456789012", "region": "eu-west-1"}
RULES = [UpstreamRule.ecr_public(), UpstreamRule.quay(prefix="team/quay")]


def consumer_statements(stack: Stack, role: iam.Role) -> list[dict]:
    template = Template.from_stack(stack).to_json()
    role_id = stack.resolve(role.node.default_child.logical_id)
    [policy] = [
        p for p in of_type(template, "AWS::IAM::Policy").values() if p["Properties"]["Roles"] == [{"Ref": role_id}]
    ]
    return normalised(policy["Properties"]["PolicyDocument"]["Statement"])


@pytest.mark.parametrize("tags", [{}, {"team": "platform"}])
def test_imported_cache_grants_exactly_what_the_deployed_one_does(tags):
    repositories = RepositorySettings(tags=tags)
    deployed = Stack(App(), "Deployed", env=ENV)
    cache = PullThroughCache(deployed, "Cache", rules=RULES, repositories=repositories)
    here = iam.Role(deployed, "Puller", assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"))
    cache.grant_pull_through(here)

    consumer = Stack(App(), "Consumer", env=ENV)
    imported = PullThroughCache.from_attributes(consumer, "Cache", rules=RULES, repositories=repositories)
    there = iam.Role(consumer, "Puller", assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"))
    imported.grant_pull_through(there)

    assert consumer_statements(consumer, there) == consumer_statements(deployed, here)
    assert ("ecr:TagResource" in str(consumer_statements(consumer, there))) == bool(tags)
    resources = Template.from_stack(consumer).to_json()["Resources"]
    assert {r["Type"] for r in resources.values()} == {"AWS::IAM::Role", "AWS::IAM::Policy"}  # it creates nothing
    assert isinstance(imported, IPullThroughCache) and isinstance(cache, IPullThroughCache)


def test_imported_cache_names_images_in_its_own_registry():
    stack = Stack(App(), "Consumer", env=ENV)
    imported = PullThroughCache.from_attributes(stack, "Cache", rules=RULES, account="210987654321", region="us-east-1")
    uri = stack.resolve(imported.image_uri("team/quay", "prometheus/prometheus", "v3"))
    assert uri == {
        "Fn::Join": [
            "",
            ["210987654321.dkr.ecr.us-east-1.", {"Ref": "AWS::URLSuffix"}, "/team/quay/prometheus/prometheus:v3"],
        ]
    }
    assert [stack.resolve(a) for a in imported.repository_arns] == [
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":ecr:us-east-1:210987654321:repository/{p}/*"]]}
        for p in ("ecr-public", "team/quay")
    ]
    with pytest.raises(ValidationError, match="no rule of this cache has the prefix 'k8s'"):
        imported.image_uri("k8s", "pause")


def test_imported_cache_refuses_bad_rules():
    with pytest.raises(ValidationError) as err:
        PullThroughCache.from_attributes(Stack(App(), "S"), "Cache", rules=[RULES[0], RULES[0]])
    assert "already used" in err.value.problem


def test_a_warmer_can_warm_an_imported_cache():
    stack = Stack(App(), "Warm", env=ENV)
    imported = PullThroughCache.from_attributes(stack, "Cache", rules=RULES)
    CacheWarmer(stack, "Warmer", cache=imported, settings=WarmSettings(images=("ecr-public/nginx/nginx:1",)))
    Template.from_stack(stack).resource_count_is("Custom::EcrPtcWarmImage", 1)


def test_a_warmer_refuses_what_is_not_a_cache():
    with pytest.raises(ValidationError) as err:
        CacheWarmer(Stack(App(), "S"), "Warmer", cache=object(), settings=WarmSettings(images=("a/b:1",)))
    assert err.value.path == "cache" and "from_attributes" in err.value.fix


def test_role_key_and_secret_objects_are_accepted():
    stack = Stack(App(), "S", env=ENV)
    role = iam.Role(stack, "Upstream", assumed_by=iam.ServicePrincipal("pullthroughcache.ecr.amazonaws.com"))
    key = kms.Key(stack, "Key")
    secret = secretsmanager.Secret(stack, "Hub", secret_name="ecr-pullthroughcache/hub")
    PullThroughCache(
        stack,
        "Cache",
        rules=[
            UpstreamRule.ecr("210987654321.dkr.ecr.eu-west-1.amazonaws.com", role=role),
            UpstreamRule.docker_hub(UpstreamCredentials.from_secret(secret)),
        ],
        repositories=RepositorySettings(encryption=Encryption.kms(key)),
    )
    template = Template.from_stack(stack).to_json()
    rules = {
        r["Properties"]["EcrRepositoryPrefix"]: r["Properties"]
        for r in of_type(template, "AWS::ECR::PullThroughCacheRule").values()
    }
    assert rules["ecr"]["CustomRoleArn"] == {"Fn::GetAtt": [stack.resolve(role.node.default_child.logical_id), "Arn"]}
    assert rules["docker-hub"]["CredentialArn"] == {"Ref": stack.resolve(secret.node.default_child.logical_id)}
    key_ref = {"Fn::GetAtt": [stack.resolve(key.node.default_child.logical_id), "Arn"]}
    for created in of_type(template, "AWS::ECR::RepositoryCreationTemplate").values():
        assert created["Properties"]["EncryptionConfiguration"]["KmsKey"] == key_ref


def test_a_secret_imported_by_name_is_refused():
    secret = secretsmanager.Secret.from_secret_name_v2(Stack(App(), "S"), "Hub", "ecr-pullthroughcache/hub")
    with pytest.raises(ValidationError) as err:
        UpstreamCredentials.from_secret(secret)
    assert "from_secret_name" in err.value.fix


def test_role_and_role_arn_together_are_refused():
    role = iam.Role(Stack(App(), "S"), "R", assumed_by=iam.ServicePrincipal("pullthroughcache.ecr.amazonaws.com"))
    with pytest.raises(ValidationError, match="both role and role_arn"):
        UpstreamRule.ecr(
            "210987654321.dkr.ecr.eu-west-1.amazonaws.com", role=role, role_arn="arn:aws:iam::123456789012:role/x"
        )
