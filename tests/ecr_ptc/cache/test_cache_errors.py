"""PullThroughCache refuses bad input at construct time with a ValidationError (path, problem, fix)."""

from __future__ import annotations

import pytest
from aws_cdk import App, Stack

from ecr_ptc.cache.pull_through_cache import PullThroughCache
from ecr_ptc.cache.rules import UpstreamRule
from ecr_ptc.errors import ValidationError


def make(rules, env=None, **kwargs):
    return PullThroughCache(Stack(App(), "S", env=env), "Cache", rules=rules, **kwargs)


def test_duplicate_prefixes():
    with pytest.raises(ValidationError) as err:
        make([UpstreamRule.quay(), UpstreamRule.ecr_public(prefix="quay")])
    assert err.value.path == "rules[1].prefix"
    assert "already used by rules[0]" in err.value.problem and err.value.fix


def test_bad_input_leaves_no_construct_behind():
    stack = Stack(App(), "S", env={"region": "cn-north-1"})
    with pytest.raises(ValidationError):
        PullThroughCache(stack, "Cache", rules=[UpstreamRule.quay()])
    assert stack.node.try_find_child("Cache") is None


def test_more_than_fifty_rules():
    with pytest.raises(ValidationError) as err:
        make([UpstreamRule.ecr_public(prefix=f"p{i:02d}") for i in range(51)])
    assert err.value.path == "rules" and "51 rules" in err.value.problem


def test_no_rules():
    with pytest.raises(ValidationError, match="no pull-through cache rules"):
        make([])


@pytest.mark.parametrize("region", ["cn-north-1", "us-gov-west-1"])
def test_unsupported_region(region):
    with pytest.raises(ValidationError) as err:
        make([UpstreamRule.ecr_public()], env={"region": region})
    assert err.value.path == "env.region" and region in err.value.problem


def test_region_token_is_not_checked():
    make([UpstreamRule.ecr_public()])


@pytest.mark.parametrize(
    "rules, path",
    [
        ("quay", "rules"),
        ([UpstreamRule.quay(), {"upstream": "k8s"}], "rules[1]"),
    ],
)
def test_rules_of_the_wrong_type(rules, path):
    with pytest.raises(ValidationError) as err:
        make(rules)
    assert err.value.path == path


@pytest.mark.parametrize(
    "kwargs, path",
    [
        ({"repositories": {"scan_on_push": "basic"}}, "repositories"),
        ({"access": ["123456789012"]}, "access"),
    ],
)
def test_settings_of_the_wrong_type(kwargs, path):
    with pytest.raises(ValidationError) as err:
        make([UpstreamRule.quay()], **kwargs)
    assert err.value.path == path


KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_kms_key_of_another_region_is_refused():
    from ecr_ptc.cache.settings import Encryption, RepositorySettings

    with pytest.raises(ValidationError) as err:
        make(
            [UpstreamRule.quay()],
            env={"region": "us-east-1", "account": "123456789012"},
            repositories=RepositorySettings(encryption=Encryption.kms(KEY)),
        )
    assert err.value.path == "repositories.encryption.kms_key_arn"
    assert "eu-west-1" in err.value.problem and "us-east-1" in err.value.problem


def test_kms_key_of_another_account_warns_once():
    from aws_cdk.assertions import Annotations, Match

    from ecr_ptc.cache.settings import Encryption, RepositorySettings

    cache = make(
        [UpstreamRule.quay()],
        env={"region": "eu-west-1", "account": "210987654321"},
        repositories=RepositorySettings(encryption=Encryption.kms(KEY)),
    )
    found = Annotations.from_stack(Stack.of(cache)).find_warning("*", Match.string_like_regexp("key policy"))
    assert len(found) == 1 and "210987654321" in str(found[0].entry.data)


@pytest.mark.parametrize("env", [None, {"region": "eu-west-1", "account": "123456789012"}])
def test_kms_key_of_the_stack_or_of_an_unknown_place_is_quiet(env):
    from aws_cdk.assertions import Annotations, Match

    from ecr_ptc.cache.settings import Encryption, RepositorySettings

    cache = make([UpstreamRule.quay()], env=env, repositories=RepositorySettings(encryption=Encryption.kms(KEY)))
    assert not Annotations.from_stack(Stack.of(cache)).find_warning("*", Match.string_like_regexp("KMS"))


@pytest.mark.parametrize(
    "region, words", [("eu-centrl-1", "did you mean 'eu-central-1'"), ("us-isob-east-1", "partition")]
)
def test_region_that_ecr_is_not_in(region, words):
    with pytest.raises(ValidationError) as err:
        make([UpstreamRule.ecr_public()], env={"region": region})
    assert words in err.value.problem + err.value.fix


@pytest.mark.parametrize(
    "env, words",
    [
        ({"account": "123456789012", "region": "us-east-1"}, "the secret is in eu-west-1, the rule in us-east-1"),
        ({"account": "210987654321", "region": "eu-west-1"}, "rule's own account"),
    ],
)
def test_secret_arn_of_another_region_or_account(env, words):
    from ecr_ptc.cache.rules import UpstreamCredentials

    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/hub-AbC123"
    with pytest.raises(ValidationError) as err:
        make([UpstreamRule.docker_hub(UpstreamCredentials.from_secret_arn(arn))], env=env)
    assert err.value.path == "rules[0].credentials.secret_arn"
    assert words in err.value.problem and "from_secret_name" in err.value.fix


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/my-docker",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/-AbC123",
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/hub",
    ],
)
def test_partial_secret_arns_are_refused(arn):
    from ecr_ptc.cache.rules import UpstreamCredentials

    with pytest.raises(ValidationError) as err:
        UpstreamCredentials.from_secret_arn(arn)
    assert err.value.path == "secret_arn"
