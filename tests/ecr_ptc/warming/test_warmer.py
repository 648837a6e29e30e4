"""The CacheWarmer construct, synthesized with cdk-nag: one shared runtime, one custom resource per image."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import App, CfnOutput, Stack
from aws_cdk.assertions import Annotations, Match, Template

from ecr_ptc.errors import ValidationError
from ecr_ptc.warming.cache_warmer import RESOURCE_TYPE, CacheWarmer
from ecr_ptc.warming.settings import WarmSettings
from tests.app.lint import findings
from tests.ecr_ptc.warming.conftest import ENV, make_cache, resources_of, synth

pytestmark = pytest.mark.synth

FIRST = WarmSettings(
    images=("my-docker-hub/nginx:latest", "ecr-public/nginx/nginx:1.27", "quay/team/app:v1"),
    platforms=("linux/arm64", "linux/amd64"),
    on_failure="warn",
    timeout_minutes=20,
)
SECOND = WarmSettings(images=("quay/prometheus/prometheus:v3.0.0",), timeout_minutes=10)


def build(stack: Stack) -> None:
    cache = make_cache(stack)
    stack.first = CacheWarmer(stack, "Warmer", cache=cache, settings=FIRST)
    stack.second = CacheWarmer(stack, "MoreWarming", cache=cache, settings=SECOND)
    CfnOutput(stack, "NginxDigest", value=stack.first.digest("my-docker-hub/nginx:latest"))


@pytest.fixture(scope="module")
def synthesized():
    return synth(build)  # cdk-nag runs as a validation plugin: any finding makes this raise


@pytest.fixture(scope="module")
def template(synthesized) -> Template:
    return synthesized[1]


@pytest.fixture(scope="module")
def cfn(template) -> dict:
    return template.to_json()


def test_cdk_nag_clean(synthesized):
    stack, _ = synthesized  # synth with AwsSolutionsChecks did not raise
    assert stack.first.images


def test_cfn_lint_clean(cfn):
    errors = [f for f in findings(cfn, region=ENV["region"]) if f.startswith("E")]
    assert errors == []


def test_one_runtime_for_all_images(template):
    template.resource_count_is(RESOURCE_TYPE, 4)
    template.resource_count_is("AWS::StepFunctions::StateMachine", 1)  # one Provider
    template.resource_count_is("AWS::Logs::LogGroup", 1)
    warmer_functions = template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": Match.string_like_regexp(r"^ecr_ptc_runtime\.handler\.")}}
    )
    # one function per Provider handler, each with its own entry point over the same code asset
    handlers = sorted(f["Properties"]["Handler"] for f in warmer_functions.values())
    assert handlers == ["ecr_ptc_runtime.handler.is_complete_handler", "ecr_ptc_runtime.handler.on_event_handler"]
    assert len({json.dumps(f["Properties"]["Code"]) for f in warmer_functions.values()}) == 1
    assert len({json.dumps(f["Properties"]["Role"]) for f in warmer_functions.values()}) == 1


def test_functions_arm64_latest_python_log_retention(template, cfn):
    template.all_resources_properties(
        "AWS::Lambda::Function", {"LoggingConfig": {"LogGroup": {"Ref": Match.any_value()}}}
    )  # framework functions too
    for fn in template.find_resources(
        "AWS::Lambda::Function", {"Properties": {"Handler": Match.string_like_regexp(r"^ecr_ptc_runtime\.")}}
    ).values():
        props = fn["Properties"]
        assert props["Architectures"] == ["arm64"]
        assert props["Runtime"] == "python3.14"
        assert props["Timeout"] == 300
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 30})


def test_code_asset_is_the_lambda_folder(synthesized, template):
    stack, _ = synthesized
    outdir = Path(stack.node.root.synth().directory)  # already synthesized: the same assembly
    fn = next(
        iter(
            template.find_resources(
                "AWS::Lambda::Function", {"Properties": {"Handler": "ecr_ptc_runtime.handler.on_event_handler"}}
            ).values()
        )
    )
    asset = outdir / ("asset." + fn["Properties"]["Code"]["S3Key"].removesuffix(".zip"))
    files = {p.relative_to(asset).as_posix() for p in asset.rglob("*") if p.is_file()}
    assert "ecr_ptc_runtime/handler.py" in files and "ecr_ptc_runtime/names.py" in files
    assert not [f for f in files if "__pycache__" in f or f.endswith(".pyc") or "/tests/" in f]
    assert all(f.startswith("ecr_ptc_runtime/") for f in files)


def test_per_image_properties(template):
    template.has_resource_properties(
        RESOURCE_TYPE,
        {
            "Image": "my-docker-hub/library/nginx:latest",  # corrected
            "Platforms": ["linux/arm64", "linux/amd64"],
            "TimeoutSeconds": 1200,
            "OnFailure": "warn",
        },
    )
    template.has_resource_properties(
        RESOURCE_TYPE,
        {
            "Image": "quay/prometheus/prometheus:v3.0.0",
            "Platforms": [],
            "TimeoutSeconds": 600,
            "OnFailure": "fail",
        },
    )


def test_provider_waits_past_the_warmer_deadline(cfn):
    """The waiter gives up 5 minutes after the longest TimeoutSeconds, so OnFailure=warn can still answer."""
    machine = next(iter(resources_of(cfn, "AWS::StepFunctions::StateMachine").values()))
    definition = json.dumps(machine["Properties"]["DefinitionString"])
    assert '\\"IntervalSeconds\\":30,\\"MaxAttempts\\":50' in definition  # (20 + 5) min / 30 s


def test_resource_ids_follow_the_image(synthesized):
    stack, _ = synthesized
    assert set(stack.first.resources) == set(stack.first.images)
    ids = [r.node.id for r in stack.first.resources.values()]
    assert ids == ["my-docker-hub+library+nginx:latest", "ecr-public+nginx+nginx:1.27", "quay+team+app:v1"]


def test_waits_for_the_cache(cfn):
    rules = set(resources_of(cfn, "AWS::ECR::PullThroughCacheRule"))
    for resource in resources_of(cfn, RESOURCE_TYPE).values():
        assert rules <= set(resource["DependsOn"])


def arn_text(resource) -> str:
    """An ARN with its tokens (the partition, maybe) written as <token>."""
    if isinstance(resource, str):
        return resource
    return "".join(p if isinstance(p, str) else "<token>" for p in resource["Fn::Join"][1])


def test_iam_scoped_to_prefixes(cfn):
    role = next(
        k
        for k, v in resources_of(cfn, "AWS::IAM::Role").items()
        if v["Properties"].get("Description", "").startswith("ECR pull-through cache warmer")
    )
    assert "ManagedPolicyArns" not in cfn["Resources"][role]["Properties"]
    policies = [p for p in resources_of(cfn, "AWS::IAM::Policy").values() if {"Ref": role} in p["Properties"]["Roles"]]
    statements = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
    by_action: dict[str, list] = {}
    for s in statements:
        actions = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
        resources = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
        for action in actions:
            by_action.setdefault(action, []).extend(resources)
    star = sorted(a for a, rs in by_action.items() if "*" in rs)
    assert star == ["ecr:GetAuthorizationToken"]
    expected = {
        f"eu-west-1:123456789012:repository/{p}/*" for p in ("ecr-public", "my-docker-hub", "quay", "quay/team")
    }
    for action in (
        "ecr:DescribeImages",
        "ecr:DescribeRepositories",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchImportUpstreamImage",
        "ecr:CreateRepository",
    ):
        arns = {arn_text(r).split(":", 3)[-1] for r in by_action[action]}
        assert arns == expected, action
    assert set(by_action) == {
        "ecr:GetAuthorizationToken",
        "ecr:DescribeImages",
        "ecr:DescribeRepositories",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchImportUpstreamImage",
        "ecr:CreateRepository",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }


def test_digest_usable_in_an_output(synthesized, cfn):
    stack, _ = synthesized
    logical = stack.get_logical_id(stack.first.resources["my-docker-hub/library/nginx:latest"].node.default_child)
    assert cfn["Outputs"]["NginxDigest"]["Value"] == {"Fn::GetAtt": [logical, "Digest"]}
    # the normalized name works as well as the one given
    assert stack.resolve(stack.first.digest("my-docker-hub/library/nginx:latest")) == {
        "Fn::GetAtt": [logical, "Digest"]
    }
    with pytest.raises(ValidationError) as err:
        stack.first.digest("ecr-public/other:1")
    assert err.value.path == "image" and "my-docker-hub/library/nginx:latest" in err.value.fix


def test_library_warning_annotated(synthesized):
    stack, _ = synthesized
    Annotations.from_stack(stack).has_warning(
        "/Warm/Warmer", Match.string_like_regexp(r"warming 'my-docker-hub/library/nginx:latest' instead")
    )


def test_longer_timeout_than_the_shared_provider_is_refused():
    stack = Stack(App(), "Warm", env=ENV)
    cache = make_cache(stack)
    CacheWarmer(stack, "Short", cache=cache, settings=WarmSettings(images=("quay/a:1",), timeout_minutes=10))
    with pytest.raises(ValidationError) as err:
        CacheWarmer(stack, "Long", cache=cache, settings=WarmSettings(images=("quay/b:1",), timeout_minutes=20))
    assert err.value.path == "timeout_minutes"


def test_image_outside_the_rules_is_refused_at_construct_time():
    stack = Stack(App(), "Warm", env=ENV)
    with pytest.raises(ValidationError) as err:
        CacheWarmer(stack, "W", cache=make_cache(stack), settings=WarmSettings(images=("ghcr/o/app:1",)))
    assert err.value.path == "images[0]"
