"""The scheduled re-warm in the template: one function per stack over the warmer's code and role, a schedule per
warmer with its images in the input, a dead-letter queue, and the pull-time exclusion when the cache archives."""

from __future__ import annotations

import json

import pytest
from aws_cdk import Stack

from ecr_ptc.cache.pull_through_cache import PullThroughCache
from ecr_ptc.cache.rules import UpstreamRule
from ecr_ptc.cache.settings import RepositorySettings
from ecr_ptc.errors import ValidationError
from ecr_ptc.warming.cache_warmer import CacheWarmer
from ecr_ptc.warming.scheduled import MAX_INPUT_BYTES, schedule_input
from ecr_ptc.warming.settings import WarmSettings
from ecr_ptc_runtime import metrics
from tests.app.iam_lint import problems as iam_problems
from tests.app.lint import findings
from tests.ecr_ptc.warming.conftest import ENV, RULES, resources_of, synth

pytestmark = pytest.mark.synth

ARCHIVING = RepositorySettings(archive_unpulled_after_days=60, delete_archived_after_days=120)
SCHEDULED = WarmSettings(
    images=("my-docker-hub/nginx:latest", "quay/prometheus/prometheus:v3.0.0"),
    platforms=("linux/arm64",),
    schedule="cron(0 3 * * ? *)",
    on_failure="warn",
)


def build(stack: Stack) -> None:
    cache = PullThroughCache(stack, "Cache", rules=list(RULES), repositories=ARCHIVING)
    stack.warmer = CacheWarmer(stack, "Warmer", cache=cache, settings=SCHEDULED)
    stack.other = CacheWarmer(
        stack, "Other", cache=cache, settings=WarmSettings(images=("ecr-public/a/b:1",), schedule="rate(1 day)")
    )
    stack.plain = CacheWarmer(stack, "Plain", cache=cache, settings=WarmSettings(images=("quay/c:1",)))


@pytest.fixture(scope="module")
def synthesized():
    return synth(build)  # cdk-nag runs on every synth: a finding raises


@pytest.fixture(scope="module")
def cfn(synthesized) -> dict:
    return synthesized[1].to_json()


def only(template: dict, kind: str) -> tuple[str, dict]:
    found = resources_of(template, kind)
    assert len(found) == 1, found
    return next(iter(found.items()))


def test_cfn_lint_and_iam_lint_clean(cfn):
    assert findings(cfn, region=ENV["region"]) == []
    assert iam_problems(cfn, region=ENV["region"], account=ENV["account"]) == []


def test_one_scheduled_function_per_stack_over_the_warmers_code_and_role(cfn):
    functions = resources_of(cfn, "AWS::Lambda::Function")
    ours = {k: f for k, f in functions.items() if f["Properties"].get("Handler", "").startswith("ecr_ptc_runtime.")}
    scheduled = [f for f in ours.values() if f["Properties"]["Handler"].endswith(".scheduled_handler")]
    assert len(scheduled) == 1
    props = scheduled[0]["Properties"]
    assert props["Timeout"] == 900 and props["Architectures"] == ["arm64"]
    assert len({json.dumps(f["Properties"]["Code"]) for f in ours.values()}) == 1
    assert len({json.dumps(f["Properties"]["Role"]) for f in ours.values()}) == 1


def test_a_schedule_per_scheduled_warmer_with_its_images_in_the_input(synthesized, cfn):
    stack, _ = synthesized
    schedules = resources_of(cfn, "AWS::Scheduler::Schedule")
    assert len(schedules) == 2  # Plain has no schedule
    by_expression = {s["Properties"]["ScheduleExpression"]: s["Properties"] for s in schedules.values()}
    daily = by_expression["cron(0 3 * * ? *)"]
    assert json.loads(daily["Target"]["Input"]) == {
        "cache": "Warm",
        "images": ["my-docker-hub/library/nginx:latest", "quay/prometheus/prometheus:v3.0.0"],  # as warmed
        "platforms": ["linux/arm64"],
        "prefixes": ["ecr-public", "my-docker-hub", "quay", "quay/team"],
    }
    assert daily["ScheduleExpressionTimezone"] == "Etc/UTC" and daily["State"] == "ENABLED"
    assert daily["Target"]["RetryPolicy"] == {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 10}
    queue, _ = only(cfn, "AWS::SQS::Queue")
    assert daily["Target"]["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue, "Arn"]}}
    assert json.loads(by_expression["rate(1 day)"]["Target"]["Input"])["images"] == ["ecr-public/a/b:1"]
    assert stack.plain.schedule is None and stack.warmer.schedule is not None


def test_a_failed_run_goes_to_the_dead_letter_queue_and_is_not_retried(cfn):
    queue, props = only(cfn, "AWS::SQS::Queue")
    assert props["Properties"]["SqsManagedSseEnabled"] is True
    _, config = only(cfn, "AWS::Lambda::EventInvokeConfig")
    assert config["Properties"]["MaximumRetryAttempts"] == 0
    assert config["Properties"]["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": [queue, "Arn"]}


def test_the_schedule_role_is_for_this_account_and_invokes_only_the_function(cfn):
    roles = resources_of(cfn, "AWS::IAM::Role")
    (role_id,) = [
        k
        for k, r in roles.items()
        if r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        == {"Service": "scheduler.amazonaws.com"}
    ]
    trust = roles[role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ENV["account"]}}
    policy = next(
        p for p in resources_of(cfn, "AWS::IAM::Policy").values() if {"Ref": role_id} in p["Properties"]["Roles"]
    )
    actions = {s["Action"] for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert actions == {"lambda:InvokeFunction", "sqs:SendMessage"}


def test_the_warmers_role_is_excluded_from_pull_time_updates_once(cfn):
    _, exclusion = only(cfn, "AWS::ECR::PullTimeUpdateExclusion")
    role = exclusion["Properties"]["PrincipalArn"]["Fn::GetAtt"]
    assert role[1] == "Arn" and role[0].startswith("EcrPtcCacheWarmerRuntimeRole")


def test_every_warmed_image_waits_for_the_exclusion(cfn):
    """A first warm must not record a pull: CloudFormation creates the exclusion before any warm resource."""
    exclusion_id, _ = only(cfn, "AWS::ECR::PullTimeUpdateExclusion")
    warmed = resources_of(cfn, "Custom::EcrPtcWarmImage")
    assert warmed and all(exclusion_id in r.get("DependsOn", []) for r in warmed.values())


def test_no_exclusion_without_usage_based_archiving():
    def plain(stack: Stack) -> None:
        cache = PullThroughCache(stack, "Cache", rules=[UpstreamRule.quay()])
        CacheWarmer(stack, "Warmer", cache=cache, settings=WarmSettings(images=("quay/a:1",), schedule="rate(1 day)"))

    _, template = synth(plain, nag=False)
    assert resources_of(template.to_json(), "AWS::ECR::PullTimeUpdateExclusion") == {}


def test_an_imported_cache_that_archives_excludes_the_warmer_too():
    def imported(stack: Stack) -> None:
        cache = PullThroughCache.from_attributes(stack, "Cache", rules=[UpstreamRule.quay()], repositories=ARCHIVING)
        CacheWarmer(stack, "Warmer", cache=cache, settings=WarmSettings(images=("quay/a:1",)))

    _, template = synth(imported, nag=False)
    assert len(resources_of(template.to_json(), "AWS::ECR::PullTimeUpdateExclusion")) == 1


def test_metrics_name_the_stack_and_optionally_a_prefix(synthesized):
    stack, _ = synthesized
    failed = stack.resolve(stack.warmer.metric_images_failed().to_metric_config().metric_stat.dimensions)
    assert failed == [{"name": "Cache", "value": "Warm"}]
    stat = stack.warmer.metric_warm_seconds(prefix="quay").to_metric_config().metric_stat
    assert stat.statistic == "Maximum" and stat.metric_name == metrics.WARM_SECONDS.name
    assert stat.namespace == metrics.NAMESPACE
    assert {"name": "Prefix", "value": "quay"} in stack.resolve(stat.dimensions)


def test_two_hundred_images_fit_the_input_even_with_the_longest_names():
    longest = [f"p{i:03d}/" + "r" * 250 + ":" + "t" * 128 for i in range(500)]
    assert len(json.dumps(schedule_input("EcrPtc-123456789012-eu-west-1", longest, [], ["p"] * 50))) < MAX_INPUT_BYTES
    with pytest.raises(ValidationError, match="split the images"):
        schedule_input("c", longest * 2, [], [])


def test_one_prefix_that_archives_by_last_pull_is_enough_for_the_exclusion():
    def one_prefix(stack: Stack) -> None:
        cache = PullThroughCache(
            stack,
            "Cache",
            rules=[UpstreamRule.quay(), UpstreamRule.k8s()],
            prefix_repositories={"k8s": RepositorySettings(archive_unpulled_after_days=30)},
        )
        CacheWarmer(stack, "Warmer", cache=cache, settings=WarmSettings(images=("quay/a:1",)))

    _, template = synth(one_prefix, nag=False)
    assert len(resources_of(template.to_json(), "AWS::ECR::PullTimeUpdateExclusion")) == 1
