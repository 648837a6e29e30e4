"""OrganizationSettings and its parts: every check, without the CDK."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ecr_ptc.cache.rules import UpstreamCredentials, UpstreamRule
from ecr_ptc.errors import ValidationError
from ecr_ptc.organization.settings import (
    CallAs,
    DeploymentTargets,
    HubLocation,
    PublicUpstreams,
    RegionConcurrency,
    StackSetLocation,
    miss_prefixes,
    spoke_rules,
)

from .conftest import BASELINE, HUB, ORG, STACK_SET, TARGETS, settings


def test_misses_are_forwarded_for_the_prefixes_pulled_through_the_hub_only():
    rules = [UpstreamRule.quay(), UpstreamRule.docker_hub(UpstreamCredentials.create_placeholder())]
    assert miss_prefixes(rules, settings()) == ["quay", "docker-hub"]
    assert miss_prefixes(rules, settings(public_upstreams="direct")) == ["docker-hub"]
    assert miss_prefixes(rules[:1], settings(public_upstreams="direct")) == []  # nothing through the hub
    assert miss_prefixes(rules, settings(fill_on_miss=False)) == []


def test_auto_deployments_can_wait_for_other_stack_sets():
    assert settings(auto_deploy_depends_on=[BASELINE]).auto_deploy_depends_on == (BASELINE,)


def test_defaults_are_the_documented_ones():
    s = settings()
    assert (s.auto_deploy, s.retain_stacks_on_account_removal) == (True, False)
    assert (s.max_concurrent_percentage, s.failure_tolerance_percentage) == (10, 10)
    assert s.region_concurrency is RegionConcurrency.SEQUENTIAL and s.public_upstreams is PublicUpstreams.HUB
    assert StackSetLocation(account="222222222222", region="us-east-1").call_as is CallAs.SELF
    assert StackSetLocation(account="222222222222", region="us-east-1").name == "ecr-ptc-spoke"
    assert s.warnings == []  # the defaults are coherent: the configured concurrency is the one used
    assert s.fill_on_miss is True and s.auto_deploy_depends_on == ()
    assert s.miss_bus_arn() == "arn:aws:events:eu-west-1:111111111111:event-bus/ecr-ptc-misses"


def test_choices_take_any_case_and_yaml_reads_ids_as_numbers():
    s = settings(region_concurrency="parallel", public_upstreams="DIRECT")
    assert s.region_concurrency is RegionConcurrency.PARALLEL and s.public_upstreams is PublicUpstreams.DIRECT
    assert (
        StackSetLocation(account=222222222222, region="us-east-1", call_as="delegated_admin").account == "222222222222"
    )


@pytest.mark.parametrize(
    "kwargs, path, words",
    [
        ({"hub": None}, "hub", "the hub is missing"),
        ({"stack_set": None}, "stack_set", "the stack set is missing"),
        ({"targets": None}, "targets", "the targets is missing"),
        ({"organization_id": None}, "organization_id", "the organization id is missing"),
        ({"organization_id": "org-123"}, "organization_id", "not an AWS Organizations id"),
        ({"hub": {"account": "1", "region": "x"}}, "hub", "expected HubLocation"),
        ({"auto_deploy": "yes"}, "auto_deploy", "expected true or false"),
        ({"retain_stacks_on_account_removal": 1}, "retain_stacks_on_account_removal", "expected true or false"),
        (
            {"auto_deploy": False, "retain_stacks_on_account_removal": True},
            "retain_stacks_on_account_removal",
            "only applies to automatic deployments",
        ),
        ({"max_concurrent_percentage": 0}, "max_concurrent_percentage", "from 1 to 100"),
        ({"max_concurrent_percentage": 101}, "max_concurrent_percentage", "from 1 to 100"),
        ({"max_concurrent_percentage": 12.5}, "max_concurrent_percentage", "from 1 to 100"),
        ({"failure_tolerance_percentage": -1}, "failure_tolerance_percentage", "from 0 to 100"),
        ({"failure_tolerance_percentage": True}, "failure_tolerance_percentage", "from 0 to 100"),
        ({"region_concurrency": "ROUND_ROBIN"}, "region_concurrency", "not one of SEQUENTIAL, PARALLEL"),
        ({"public_upstreams": "spoke"}, "public_upstreams", "not one of hub, direct"),
        ({"fill_on_miss": "no"}, "fill_on_miss", "expected true or false"),
        ({"auto_deploy_depends_on": "arn"}, "auto_deploy_depends_on", "non-empty list of StackSet ARNs"),
        ({"auto_deploy_depends_on": ["ecr-ptc-baseline"]}, "auto_deploy_depends_on[0]", "not a StackSet ARN"),
        ({"auto_deploy_depends_on": [BASELINE, BASELINE]}, "auto_deploy_depends_on[1]", "already listed"),
        (
            {"auto_deploy": False, "auto_deploy_depends_on": [BASELINE]},
            "auto_deploy_depends_on",
            "only applies to automatic deployments",
        ),
    ],
)
def test_bad_settings(kwargs, path, words):
    with pytest.raises(ValidationError) as caught:
        settings(**kwargs)
    assert caught.value.path == path and words in caught.value.problem and caught.value.fix


@pytest.mark.parametrize(
    "cls, kwargs, path, words",
    [
        (HubLocation, {"region": "eu-west-1"}, "account", "the hub account is missing"),
        (HubLocation, {"account": "111111111111"}, "region", "the hub Region is missing"),
        (HubLocation, {"account": "1111", "region": "eu-west-1"}, "account", "not a 12-digit"),
        (HubLocation, {"account": "111111111111", "region": "cn-north-1"}, "region", "cannot be created in cn-north-1"),
        (StackSetLocation, {"region": "us-east-1"}, "account", "the StackSet account is missing"),
        (StackSetLocation, {"account": "222222222222"}, "region", "the StackSet Region is missing"),
        (
            StackSetLocation,
            {"account": "222222222222", "region": "us-east-1", "call_as": "ADMIN"},
            "call_as",
            "SELF, DELEGATED_ADMIN",
        ),
        (
            StackSetLocation,
            {"account": "222222222222", "region": "us-east-1", "name": "1-spoke"},
            "name",
            "not a StackSet name",
        ),
        (
            StackSetLocation,
            {"account": "222222222222", "region": "us-east-1", "name": "my_spoke"},
            "name",
            "not a StackSet name",
        ),
        (DeploymentTargets, {"regions": ("eu-west-1",)}, "organizational_units", "non-empty list"),
        (
            DeploymentTargets,
            {"organizational_units": "ou-ab12-34567890", "regions": ("eu-west-1",)},
            "organizational_units",
            "non-empty list",
        ),
        (
            DeploymentTargets,
            {"organizational_units": ("ou-ab12-3456",), "regions": ("eu-west-1",)},
            "organizational_units[0]",
            "not an organizational unit or root id",
        ),
        (
            DeploymentTargets,
            {"organizational_units": ("OU-AB12-34567890",), "regions": ("eu-west-1",)},
            "organizational_units[0]",
            "not an organizational unit",
        ),
        (
            DeploymentTargets,
            {"organizational_units": ("o-a1b2c3d4e5",), "regions": ("eu-west-1",)},
            "organizational_units[0]",
            "not an organizational unit",
        ),
        (
            DeploymentTargets,
            {"organizational_units": ("r-ab12", "r-ab12"), "regions": ("eu-west-1",)},
            "organizational_units[1]",
            "already listed at [0]",
        ),
        (
            DeploymentTargets,
            {"organizational_units": tuple(f"ou-ab12-{i:08d}" for i in range(51)), "regions": ("eu-west-1",)},
            "organizational_units",
            "at most 50",
        ),
        (DeploymentTargets, {"organizational_units": ("r-ab12",)}, "regions", "non-empty list"),
        (
            DeploymentTargets,
            {"organizational_units": ("r-ab12",), "regions": ("eu-west-1", "us-gov-west-1")},
            "regions[1]",
            "us-gov-west-1",
        ),
        (
            DeploymentTargets,
            {"organizational_units": ("r-ab12",), "regions": ("eu-wset-1",)},
            "regions[0]",
            "did you mean 'eu-west-1'",
        ),
        (
            DeploymentTargets,
            {"organizational_units": ("r-ab12",), "regions": ("eu-west-1", "eu-west-1")},
            "regions[1]",
            "already listed",
        ),
    ],
)
def test_bad_parts(cls, kwargs, path, words):
    with pytest.raises(ValidationError) as caught:
        cls(**kwargs)
    err = caught.value
    assert err.path == path and (words in err.problem or words in err.fix), err


def test_fifty_ous_and_the_root_are_fine():
    units = tuple(f"ou-ab12-{i:08d}" for i in range(49)) + ("r-ab12",)
    assert len(DeploymentTargets(organizational_units=units, regions=("eu-west-1",)).organizational_units) == 50


def test_concurrency_above_failure_tolerance_warns():
    (warning,) = settings(max_concurrent_percentage=25, failure_tolerance_percentage=10).warnings
    assert "maxConcurrentPercentage 25 is not reached" in warning and "org plan" in warning
    assert settings(max_concurrent_percentage=11, failure_tolerance_percentage=10).warnings == []


def test_operation_preferences_order_the_regions_only_when_sequential():
    assert settings().stack_set_operation_preferences() == {
        "MaxConcurrentPercentage": 10,
        "FailureTolerancePercentage": 10,
        "RegionConcurrencyType": "SEQUENTIAL",
        "RegionOrder": ["eu-west-1", "us-east-1"],
    }
    assert "RegionOrder" not in settings(region_concurrency="PARALLEL").stack_set_operation_preferences()


SECRET = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:ecr-pullthroughcache/hub-AbCdEf"
HUB_RULES = [
    UpstreamRule.ecr_public(),
    UpstreamRule.quay(prefix="team/quay", upstream_prefix="prometheus"),
    UpstreamRule.github_container_registry(UpstreamCredentials.from_secret_arn(SECRET)),
    UpstreamRule.ecr("444455556666.dkr.ecr.us-east-1.amazonaws.com", prefix="golden", upstream_prefix="base"),
]


def test_spoke_rules_keep_the_prefixes_and_read_the_hub_prefix():
    rules = spoke_rules(HUB_RULES, settings())
    assert [r.prefix for r in rules] == ["ecr-public", "team/quay", "ghcr", "golden"]
    assert {r.upstream for r in rules} == {"ecr"}
    assert {r.upstream_url for r in rules} == {"111111111111.dkr.ecr.eu-west-1.amazonaws.com"}
    # the spoke's upstream prefix is the hub's prefix, not the hub rule's own upstream prefix
    assert [r.upstream_prefix for r in rules] == ["ecr-public", "team/quay", "ghcr", "golden"]
    assert all(r.credentials is None and r.role_arn is None for r in rules)


def test_spoke_rules_direct_copy_public_upstreams_only():
    rules = spoke_rules(HUB_RULES, settings(public_upstreams="direct"))
    assert rules[0] == HUB_RULES[0] and rules[1] == HUB_RULES[1]  # public: as in the hub
    assert rules[2].upstream == rules[3].upstream == "ecr"  # credentials or a role: through the hub


def test_a_root_rule_maps_one_to_one():
    (rule,) = spoke_rules([UpstreamRule.quay(prefix="ROOT")], settings())
    assert (rule.prefix, rule.upstream_prefix, rule.repository_pattern) == ("ROOT", None, "*")


def test_hub_registry_url():
    assert HUB.registry_url == "111111111111.dkr.ecr.eu-west-1.amazonaws.com"
    assert (STACK_SET.call_as, TARGETS.regions, ORG) == (
        CallAs.DELEGATED_ADMIN,
        ("eu-west-1", "us-east-1"),
        "o-a1b2c3d4e5",
    )


def test_settings_and_rollout_load_without_the_cdk():
    code = (
        "import sys\nimport ecr_ptc.organization.settings, ecr_ptc.organization.waves\n"
        "from ecr_ptc import OrganizationSettings, plan_rollout\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'jsii', 'constructs')]\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
