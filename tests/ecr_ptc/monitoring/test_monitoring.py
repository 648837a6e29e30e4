"""CacheMonitoring in the template: the topic and its policies, subscriptions, the failure events' rule and
function, the alarms and their actions, the dashboard. Synthesized with cdk-nag (a finding raises)."""

from __future__ import annotations

import json

import pytest
from aws_cdk import App, Stack

from ecr_ptc.cache.pull_through_cache import PullThroughCache
from ecr_ptc.cache.rules import UpstreamRule
from ecr_ptc.cache.settings import RepositorySettings
from ecr_ptc.errors import ValidationError
from ecr_ptc.monitoring.cache_monitoring import CacheMonitoring
from ecr_ptc.monitoring.events import failure_pattern
from ecr_ptc.monitoring.settings import MonitoringSettings
from ecr_ptc.warming.cache_warmer import CacheWarmer
from ecr_ptc.warming.settings import WarmSettings
from tests.app.iam_lint import problems as iam_problems
from tests.app.lint import findings
from tests.ecr_ptc.warming.conftest import ENV, resources_of, synth

pytestmark = pytest.mark.synth

RULES = [UpstreamRule.ecr_public(), UpstreamRule.quay(), UpstreamRule.k8s(prefix="team/k8s")]
EMAILS = ("platform@example.com", "oncall@example.com")
TOPIC = "arn:aws:sns:eu-west-1:123456789012:platform-alerts"


def build(stack: Stack) -> None:
    cache = PullThroughCache(
        stack, "Cache", rules=RULES, repositories=RepositorySettings(archive_unpulled_after_days=90)
    )
    warmer = CacheWarmer(
        stack,
        "Warmer",
        cache=cache,
        settings=WarmSettings(images=("ecr-public/nginx/nginx:latest",), schedule="rate(12 hours)"),
    )
    stack.monitoring = CacheMonitoring(
        stack, "Monitoring", cache=cache, warmer=warmer, settings=MonitoringSettings(email=EMAILS)
    )


@pytest.fixture(scope="module")
def synthesized():
    return synth(build)


@pytest.fixture(scope="module")
def cfn(synthesized) -> dict:
    return synthesized[1].to_json()


def only(template: dict, kind: str) -> tuple[str, dict]:
    found = resources_of(template, kind)
    assert len(found) == 1, sorted(found)
    logical_id, resource = next(iter(found.items()))
    return logical_id, resource["Properties"]


def alarms(template: dict) -> dict[str, dict]:
    return {
        r["Properties"]["AlarmName"].rsplit("-", 1)[1]: r["Properties"]
        for r in resources_of(template, "AWS::CloudWatch::Alarm").values()
    }


def test_cfn_lint_and_iam_lint_clean(cfn):
    assert findings(cfn, region=ENV["region"]) == []
    assert iam_problems(cfn, region=ENV["region"], account=ENV["account"]) == []


def test_our_topic_is_encrypted_with_a_rotated_key_cloudwatch_may_use_for_this_accounts_alarms(cfn):
    key, key_props = only(cfn, "AWS::KMS::Key")
    topic, topic_props = only(cfn, "AWS::SNS::Topic")
    assert topic_props["KmsMasterKeyId"] == {"Fn::GetAtt": [key, "Arn"]} and key_props["EnableKeyRotation"] is True
    alarms_here = {
        "StringEquals": {"aws:SourceAccount": ENV["account"]},
        "ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:*"},
    }
    (for_cloudwatch,) = [
        s for s in key_props["KeyPolicy"]["Statement"] if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert set(for_cloudwatch["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert for_cloudwatch["Condition"] == alarms_here
    _, policy = only(cfn, "AWS::SNS::TopicPolicy")
    deny, allow = policy["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"} and allow["Action"] == "sns:Publish"
    assert allow["Resource"] == {"Ref": topic} and allow["Condition"] == alarms_here


def test_every_address_is_subscribed(cfn):
    subscriptions = resources_of(cfn, "AWS::SNS::Subscription").values()
    assert sorted(s["Properties"]["Endpoint"] for s in subscriptions) == sorted(EMAILS)
    assert {s["Properties"]["Protocol"] for s in subscriptions} == {"email"}


def test_failed_pull_through_actions_reach_the_function_that_counts_and_tells(cfn):
    _, rule = only(cfn, "AWS::Events::Rule")
    assert rule["EventPattern"] == failure_pattern([r.prefix for r in RULES])
    (target,) = rule["Targets"]
    assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 7200, "MaximumRetryAttempts": 8}
    function_id = target["Arn"]["Fn::GetAtt"][0]
    function = cfn["Resources"][function_id]["Properties"]
    assert function["Handler"] == "ecr_ptc_runtime.handler.pull_through_event_handler"
    env = function["Environment"]["Variables"]
    topic, _ = only(cfn, "AWS::SNS::Topic")
    table, table_props = only(cfn, "AWS::DynamoDB::Table")
    assert env == {"CACHE_NAME": "Warm", "TOPIC_ARN": {"Ref": topic}, "WINDOW_TABLE": {"Ref": table}}
    assert table_props["TimeToLiveSpecification"] == {"AttributeName": "expires", "Enabled": True}
    role = function["Role"]["Fn::GetAtt"][0]
    policy = next(
        p for p in resources_of(cfn, "AWS::IAM::Policy").values() if {"Ref": role} in p["Properties"]["Roles"]
    )
    granted = {
        (a, json.dumps(s["Resource"]))
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    }
    assert ("sns:Publish", json.dumps({"Ref": topic})) in granted
    assert ("dynamodb:PutItem", json.dumps({"Fn::GetAtt": [table, "Arn"]})) in granted
    assert {a for a, _ in granted} == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "sns:Publish",
        "kms:Decrypt",
        "kms:GenerateDataKey*",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
    }
    permission = next(iter(resources_of(cfn, "AWS::Lambda::Permission").values()))["Properties"]
    assert permission["Principal"] == "events.amazonaws.com"


def test_four_alarms_each_telling_the_topic_on_alarm_and_on_ok(cfn):
    topic, _ = only(cfn, "AWS::SNS::Topic")
    found = alarms(cfn)
    assert sorted(found) == ["PullThroughFailures", "PullThroughReporting", "WarmFailures", "WarmRunsMissed"]
    for name, alarm in found.items():
        assert alarm["AlarmActions"] == [{"Ref": topic}] == alarm["OKActions"], name
        assert alarm["Threshold"] == 1 and alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["AlarmName"] == f"Warm-Monitoring-{name}"
    warm = found["WarmFailures"]
    assert (warm["Namespace"], warm["MetricName"], warm["Statistic"]) == ("EcrPtc", "ImagesFailed", "Sum")
    assert warm["Dimensions"] == [{"Name": "Cache", "Value": "Warm"}]
    assert warm["TreatMissingData"] == "ignore" and warm["Period"] == 3600  # the last run's verdict holds
    pull = found["PullThroughFailures"]
    assert (pull["MetricName"], pull["Period"], pull["TreatMissingData"]) == (
        "PullThroughFailures",
        300,
        "notBreaching",
    )
    missed = found["WarmRunsMissed"]
    assert (missed["Namespace"], missed["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert "purge-queue" in json.dumps(missed["AlarmDescription"])
    assert found["PullThroughReporting"]["Namespace"] == "AWS/Lambda"
    assert "ecr-pullthroughcache/ secret" in pull["AlarmDescription"]


def dashboard_body(cfn: dict) -> str:
    _, props = only(cfn, "AWS::CloudWatch::Dashboard")
    assert props["DashboardName"] == "Warm-Monitoring-eu-west-1"
    parts = props["DashboardBody"]["Fn::Join"][1]
    return "".join(p if isinstance(p, str) else "<token>" for p in parts)


def test_the_dashboard_shows_prefixes_alarms_runs_moves_and_failures(cfn):
    body = dashboard_body(cfn)
    for text in (
        "`ecr-public/`, `quay/`, `team/k8s/`",
        "`rate(12 hours)` (UTC) over 1 image(s)",
        "platform@example.com, oncall@example.com",
        '"type":"alarm"',
        "Scheduled re-warm: images per run",
        "Digest changes (moved tags) by prefix",
        "Pull-through failures by prefix",
        "SEARCH('{EcrPtc,Cache,Prefix} MetricName=\\\"DigestsChanged\\\" Cache=\\\"Warm\\\"', 'Sum', 3600)",
        "SEARCH('{EcrPtc,Cache,Prefix} MetricName=\\\"PullThroughFailures\\\" Cache=\\\"Warm\\\"', 'Sum', 300)",
        'filter event = \\"pull-through-failed\\"',
        'filter event = \\"rewarm\\" and (state != \\"warmed\\" or change = \\"moved\\")',
    ):
        assert text in body, text


def test_the_dashboard_url_names_the_region_and_dashboard(synthesized):
    stack, _ = synthesized
    assert stack.monitoring.dashboard_url == (
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/Warm-Monitoring-eu-west-1"
    )


def test_dashboard_names_are_unique_per_account_and_region():
    """Dashboards are global to an account: the Region joins the name, unless the stack name holds it already,
    and an environment-agnostic stack takes the Region it is deployed to."""
    from aws_cdk import App

    from ecr_ptc.monitoring.dashboard import dashboard_name

    assert dashboard_name("EcrPtc-111122223333-eu-west-1-Monitoring", "eu-west-1") == (
        "EcrPtc-111122223333-eu-west-1-Monitoring"
    )
    assert dashboard_name("Warm-Monitoring", "us-east-2") == "Warm-Monitoring-us-east-2"
    assert len(dashboard_name("x" * 300, "ap-southeast-1")) <= 255
    agnostic = Stack(App(), "EcrPtc")
    name = agnostic.resolve(dashboard_name("EcrPtc-Monitoring", agnostic.region))
    assert name == {"Fn::Join": ["", ["EcrPtc-Monitoring-", {"Ref": "AWS::Region"}]]}


def test_an_existing_topic_without_a_warmer_or_dashboard():
    def existing(stack: Stack) -> None:
        cache = PullThroughCache(stack, "Cache", rules=[UpstreamRule.quay()])
        settings = MonitoringSettings(topic_arn=TOPIC, email=("team@example.com",), dashboard=False)
        stack.monitoring = CacheMonitoring(stack, "Monitoring", cache=cache, settings=settings)

    stack, template = synth(existing)
    cfn = template.to_json()
    for kind in ("AWS::SNS::Topic", "AWS::KMS::Key", "AWS::CloudWatch::Dashboard", "AWS::SNS::TopicPolicy"):
        assert resources_of(cfn, kind) == {}, kind
    found = alarms(cfn)
    assert sorted(found) == ["PullThroughFailures", "PullThroughReporting"]
    assert all(a["AlarmActions"] == [TOPIC] == a["OKActions"] for a in found.values())
    (subscription,) = resources_of(cfn, "AWS::SNS::Subscription").values()
    assert subscription["Properties"]["TopicArn"] == TOPIC
    assert stack.monitoring.dashboard_url is None
    assert iam_problems(cfn, region=ENV["region"], account=ENV["account"]) == []


def test_a_topic_of_another_region_is_refused_before_anything_joins_the_tree():
    app = App()
    stack = Stack(app, "Other", env={"account": ENV["account"], "region": "us-east-1"})
    cache = PullThroughCache(stack, "Cache", rules=[UpstreamRule.quay()])
    before = len(stack.node.children)
    with pytest.raises(ValidationError) as caught:
        CacheMonitoring(stack, "Monitoring", cache=cache, settings=MonitoringSettings(topic_arn=TOPIC))
    assert caught.value.path == "settings.topic_arn" and "us-east-1" in caught.value.fix
    assert len(stack.node.children) == before


@pytest.mark.parametrize(
    "kwargs,path",
    [
        ({"cache": "quay", "settings": MonitoringSettings(topic_arn=TOPIC)}, "cache"),
        ({"settings": {"email": ["a@example.com"]}}, "settings"),
        ({"settings": MonitoringSettings(topic_arn=TOPIC), "warmer": "warmer"}, "warmer"),
    ],
)
def test_props_of_the_wrong_type_are_refused(kwargs, path):
    stack = Stack(App(), "Types", env=ENV)
    cache = PullThroughCache(stack, "Cache", rules=[UpstreamRule.quay()])
    with pytest.raises(ValidationError) as caught:
        CacheMonitoring(stack, "Monitoring", **{"cache": cache, **kwargs})
    assert caught.value.path == path
