"""Miss forwarding as synthesized: the spoke's rule and role, the hub's bus, its policy, its rule and the fill
function. Patterns are matched by moto's EventBridge matcher (what its buses run for every rule) against the
documented event's shape failing, and variants; the bus policy is put through moto's PutPermission."""

from __future__ import annotations

import copy
import json

import boto3
import pytest
from moto import mock_aws
from moto.events.models import EventPattern

from ecr_ptc.organization.miss_fill import FILL_CONCURRENCY
from ecr_ptc.organization.settings import MISS_BUS_NAME
from tests.ecr_ptc_runtime.test_notify import failed

from .conftest import HUB, ORG

SPOKE_ACCOUNT = "333333333333"
BUS_ARN = f"arn:aws:events:{HUB.region}:{HUB.account}:event-bus/{MISS_BUS_NAME}"


def resolved(value, account: str = SPOKE_ACCOUNT):
    """CloudFormation's pseudo parameters and joins, as a spoke account in eu-west-1 sees them."""
    if isinstance(value, dict):
        if value == {"Ref": "AWS::AccountId"}:
            return account
        if value == {"Ref": "AWS::Partition"}:
            return "aws"
        if value == {"Ref": "AWS::Region"}:
            return "eu-west-1"
        if "Fn::Join" in value:
            separator, parts = value["Fn::Join"]
            return separator.join(resolved(p, account) for p in parts)
        return {k: resolved(v, account) for k, v in value.items()}
    if isinstance(value, list):
        return [resolved(v, account) for v in value]
    return value


def matches(pattern: dict, event: dict) -> bool:
    """Does a rule with ``pattern`` (put on moto's default bus) match ``event``?"""
    with mock_aws():
        events = boto3.client("events", region_name="eu-west-1")
        events.put_rule(Name="rule", EventPattern=json.dumps(pattern), State="ENABLED")
        stored = events.describe_rule(Name="rule")["EventPattern"]
    return EventPattern.load(stored).matches_event(copy.deepcopy(event))


def spoke_miss(prefix: str = "docker-hub", account: str = SPOKE_ACCOUNT, **detail) -> dict:
    event = failed("ImageNotFound", prefix=prefix, **detail)
    event.update(account=account, region="eu-west-1")
    return event


def only(resources: dict, kind: str) -> dict:
    (found,) = [r for r in resources.values() if r["Type"] == kind]
    return found


@pytest.fixture(scope="module")
def spoke_rule(rollout):
    rule = only(rollout.spoke["Resources"], "AWS::Events::Rule")
    return rule, resolved(rule["Properties"]["EventPattern"])


def test_the_spoke_forwards_its_own_failures_through_the_hub(spoke_rule):
    _, pattern = spoke_rule
    assert matches(pattern, spoke_miss())
    assert matches(pattern, spoke_miss(prefix="team/quay"))
    assert matches(pattern, spoke_miss(**{"sync-status": "FAILURE"}))  # whatever the failure's status word


@pytest.mark.parametrize(
    "event",
    [
        pytest.param(spoke_miss(account="444444444444"), id="another account's event"),
        pytest.param(spoke_miss(prefix="not-a-cache-prefix"), id="another prefix"),
        pytest.param(spoke_miss(**{"sync-status": "SUCCESS"}), id="a success"),
        pytest.param({**spoke_miss(), "source": "custom.ecr"}, id="a custom source"),
    ],
)
def test_the_spoke_forwards_nothing_else(spoke_rule, event):
    _, pattern = spoke_rule
    assert not matches(pattern, event)


def test_the_spoke_rule_targets_the_hub_bus_with_a_role_that_may_put_events_there_only(rollout, spoke_rule):
    rule, _ = spoke_rule
    ((condition_id, _),) = rollout.spoke["Conditions"].items()
    assert rule["Condition"] == condition_id  # left out in the hub registry, like every spoke resource
    (target,) = rule["Properties"]["Targets"]
    assert resolved(target["Arn"]) == BUS_ARN
    role_id = target["RoleArn"]["Fn::GetAtt"][0]
    role = rollout.spoke["Resources"][role_id]
    assert role["Condition"] == rule["Condition"]
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}
    assert resolved(trust["Condition"]) == {"StringEquals": {"aws:SourceAccount": SPOKE_ACCOUNT}}
    (policy,) = role["Properties"]["Policies"]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == "events:PutEvents" and statement["Effect"] == "Allow"
    assert resolved(statement["Resource"]) == BUS_ARN


def test_the_hub_bus_takes_events_from_the_organization_only(rollout):
    bus = only(rollout.hub["Resources"], "AWS::Events::EventBus")
    assert bus["Properties"]["Name"] == MISS_BUS_NAME
    policy = resolved(bus["Properties"]["Policy"], HUB.account)
    (statement,) = policy["Statement"]
    assert statement == {
        "Sid": "OrganizationSpokesPutMisses",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": "events:PutEvents",
        "Resource": BUS_ARN,
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}},
    }
    with mock_aws():  # EventBridge's own API takes the policy as the bus's resource policy
        events = boto3.client("events", region_name=HUB.region)
        events.create_event_bus(Name=MISS_BUS_NAME)
        events.put_permission(EventBusName=MISS_BUS_NAME, Policy=json.dumps(policy))
        stored = json.loads(events.describe_event_bus(Name=MISS_BUS_NAME)["Policy"])
    assert stored["Statement"][0]["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORG}}


def test_the_hub_rule_on_the_bus_invokes_the_fill_for_the_hub_prefixes(rollout):
    resources = rollout.hub["Resources"]
    (rule,) = [r for r in resources.values() if r["Type"] == "AWS::Events::Rule" and "EventBusName" in r["Properties"]]
    bus_id = rule["Properties"]["EventBusName"]["Ref"]
    assert resources[bus_id]["Type"] == "AWS::Events::EventBus"
    pattern = rule["Properties"]["EventPattern"]
    assert matches(pattern, spoke_miss())  # what the spoke forwards, as the hub's bus receives it
    assert not matches(pattern, spoke_miss(prefix="not-a-cache-prefix"))
    assert not matches(pattern, spoke_miss(**{"sync-status": "SUCCESS"}))
    (target,) = rule["Properties"]["Targets"]
    function = resources[target["Arn"]["Fn::GetAtt"][0]]
    properties = function["Properties"]
    assert properties["Handler"] == "ecr_ptc_runtime.handler.miss_fill_handler"
    assert properties["ReservedConcurrentExecutions"] == FILL_CONCURRENCY
    environment = properties["Environment"]["Variables"]
    assert sorted(environment["PREFIXES"].split(",")) == ["docker-hub", "ecr-public", "golden", "team/quay"]
    assert environment["HUB_ACCOUNT"] == HUB.account
    assert resources[environment["FILL_TABLE"]["Ref"]]["Type"] == "AWS::DynamoDB::Table"
    assert "TOPIC_ARN" not in environment  # no monitoring in this hub: failures are counted and logged


def test_without_fill_on_miss_there_is_no_bus_and_no_forwarding(direct_kms_tags):
    assert not [r for r in direct_kms_tags.spoke["Resources"].values() if r["Type"].startswith("AWS::Events::")]
    assert not [r for r in direct_kms_tags.hub["Resources"].values() if r["Type"].startswith("AWS::Events::")]


def test_with_the_hubs_monitoring_fill_failures_notify_its_topic_and_its_dashboard_shows_the_fills():
    """The fill function gets the monitoring's topic and window table (the deduplicated failure notification)
    and the dashboard two widgets on the fill metrics; cdk-nag passes (synth runs it)."""
    from aws_cdk import App, Environment, Stack, Validations
    from cdk_nag import AwsSolutionsChecks

    from ecr_ptc.cache.pull_through_cache import PullThroughCache
    from ecr_ptc.cache.rules import UpstreamRule
    from ecr_ptc.cache.settings import AccessSettings
    from ecr_ptc.monitoring.cache_monitoring import CacheMonitoring
    from ecr_ptc.monitoring.settings import MonitoringSettings
    from ecr_ptc.organization.organization_cache import OrganizationCache
    from tests.app.synth import CONTEXT

    from .conftest import STACK_SET, settings

    app = App(context=dict(CONTEXT))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    hub_stack = Stack(app, "Hub", env=Environment(account=HUB.account, region=HUB.region))
    cache = PullThroughCache(
        hub_stack, "Cache", rules=[UpstreamRule.quay()], access=AccessSettings(organization_id=ORG)
    )
    monitoring = CacheMonitoring(
        hub_stack, "Monitoring", cache=cache, settings=MonitoringSettings(email=("a@b.example",))
    )
    holder = Stack(app, "Holder", env=Environment(account=STACK_SET.account, region=STACK_SET.region))
    OrganizationCache(holder, "Organization", hub=cache, settings=settings(), monitoring=monitoring)
    hub = app.synth().get_stack_by_name("Hub").template
    resources = hub["Resources"]
    (function,) = [
        r
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Function" and r["Properties"]["Handler"].endswith("miss_fill_handler")
    ]
    environment = function["Properties"]["Environment"]["Variables"]
    assert resources[environment["TOPIC_ARN"]["Ref"]]["Type"] == "AWS::SNS::Topic"
    window = environment["WINDOW_TABLE"]["Ref"]
    assert "PullThroughFailures" in window and window != environment["FILL_TABLE"]["Ref"]
    role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    (policy,) = [
        r for r in resources.values() if r["Type"] == "AWS::IAM::Policy" and {"Ref": role} in r["Properties"]["Roles"]
    ]
    text = json.dumps(policy)
    assert "sns:Publish" in text and "dynamodb:DeleteItem" in text  # notify, and free a window it could not use
    (dashboard,) = [r for r in resources.values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    for name in ("MissFills", "MissFillFailures", "MissFillSeconds"):
        assert name in body, name
