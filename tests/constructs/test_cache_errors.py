"""PullThroughCache refuses bad input at construct time with a ValidationError (path, problem, fix)."""
from __future__ import annotations

import pytest
from aws_cdk import App, Stack

from ecr_ptc.cache import PullThroughCache
from ecr_ptc.errors import ValidationError
from ecr_ptc.upstream import UpstreamRule


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


@pytest.mark.parametrize("rules, path", [
    ("quay", "rules"),
    ([UpstreamRule.quay(), {"upstream": "k8s"}], "rules[1]"),
])
def test_rules_of_the_wrong_type(rules, path):
    with pytest.raises(ValidationError) as err:
        make(rules)
    assert err.value.path == path


@pytest.mark.parametrize("kwargs, path", [
    ({"repositories": {"scan_on_push": "basic"}}, "repositories"),
    ({"access": ["123456789012"]}, "access"),
])
def test_settings_of_the_wrong_type(kwargs, path):
    with pytest.raises(ValidationError) as err:
        make([UpstreamRule.quay()], **kwargs)
    assert err.value.path == path
