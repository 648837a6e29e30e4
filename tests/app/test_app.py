"""The whole app, as `cdk synth` builds it, for the default and example configs."""

from __future__ import annotations

import json

import pytest
from aws_cdk import App, Stack, aws_s3

from ecr_ptc_stacks.compose import add_checks

from .lint import findings
from .releases import upgrade_problems, versions
from .synth import ROOT, normalise, synth

CONFIGS = sorted((ROOT / "config").glob("*.yaml"))


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, dict[str, dict]]:
    """Templates by config file name, then by stack name (cdk-nag runs during each synth)."""
    return {path.name: synth(path, tmp_path_factory.mktemp(path.stem)) for path in CONFIGS}


def resources(template: dict, kind: str) -> dict[str, dict]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def test_default_config_snapshot(templates, snapshot):
    assert normalise(templates["default.yaml"]["EcrPtc"]) == snapshot


@pytest.mark.parametrize("stack", ["EcrPtc-sa-east-1", "EcrPtc-sa-east-1-workstation"])
def test_workshop_config_snapshot(templates, snapshot, stack):
    assert normalise(templates["workshop.yaml"][stack]) == snapshot


@pytest.mark.parametrize("version", versions())
@pytest.mark.parametrize("name", [p.name for p in CONFIGS])
def test_upgrading_from_every_release_deploys_as_updates(templates, name, version):
    """`ecr-ptc plan` from each released version's templates of a shipped config to today's refuses nothing,
    or the CHANGELOG's Breaking entry names the change and its steps (the spoke: test_organization.py)."""
    assert upgrade_problems(version, name.removesuffix(".yaml"), templates[name]) == []


@pytest.mark.parametrize("name", [p.name for p in CONFIGS])
def test_cfn_lint_clean(templates, name):
    for stack, template in templates[name].items():
        assert findings(template) == [], stack


def test_default_outputs_follow_the_walkthrough(templates):
    outputs = templates["default.yaml"]["EcrPtc"]["Outputs"]
    assert {"RegistryUri", "ConsumerPolicyArn", "ExamplePullEcrPublic", "ExamplePullK8s", "ExamplePullQuay"} <= set(
        outputs
    )
    pull = json.dumps(outputs["ExamplePullEcrPublic"]["Value"])
    assert pull.startswith('{"Fn::Join"') and "docker pull " in pull and ".dkr.ecr." in pull
    assert "/ecr-public/nginx/nginx:latest" in pull


def statements(template: dict):
    for logical_id, res in template["Resources"].items():
        props = res.get("Properties", {})
        docs = [props.get("PolicyDocument")] + [p.get("PolicyDocument") for p in props.get("Policies", [])]
        for doc in filter(None, docs):
            for statement in doc["Statement"]:
                yield logical_id, statement


def as_list(value):
    return value if isinstance(value, list) else [value]


# Actions the Service Authorization Reference lists with no resource type: "*" is the only form.
NO_RESOURCE_LEVEL = {
    "cache": {"ecr:GetAuthorizationToken"},
    "workstation": {
        "ecr:GetAuthorizationToken",
        "ecr:DescribePullThroughCacheRules",
        "ec2:DescribeInstances",
        "ec2:DescribeIamInstanceProfileAssociations",
        "ec2:DescribeSubnets",
    },
}


@pytest.mark.parametrize("name", [p.name for p in CONFIGS])
def test_no_iam_statement_allows_everything_but_the_token_call(templates, name):
    for stack, template in templates[name].items():
        allowed = NO_RESOURCE_LEVEL["workstation" if stack.endswith("-workstation") else "cache"]
        for logical_id, statement in statements(template):
            if statement.get("Effect") == "Allow" and "*" in as_list(statement.get("Resource")):
                assert set(as_list(statement["Action"])) <= allowed, (stack, logical_id, statement)


def test_environments_make_one_stack_each(tmp_path):
    path = tmp_path / "envs.yaml"
    path.write_text(
        "rules:\n  - upstream: quay\nenvironments:\n"
        "  - {account: '111111111111', region: eu-west-1}\n"
        "  - {account: '222222222222', region: us-east-2}\n"
    )
    stacks = synth(path, tmp_path / "out")
    assert set(stacks) == {"EcrPtc-111111111111-eu-west-1", "EcrPtc-222222222222-us-east-2"}


def test_no_workstation_key_no_workstation_stack(templates):
    assert list(templates["default.yaml"]) == ["EcrPtc"]


def test_cdk_nag_gate_can_fail(tmp_path):
    """The checks the app adds really stop synth on a finding (an unencrypted, unlogged bucket)."""
    app = App(outdir=str(tmp_path / "on"))
    aws_s3.Bucket(Stack(app, "Bad"), "Bucket")
    assert add_checks(app)
    with pytest.raises(Exception, match="AwsSolutions-S1"):
        app.synth()


def test_nag_false_leaves_the_checks_to_the_pipeline(tmp_path):
    app = App(outdir=str(tmp_path / "off"), context={"nag": "false"})
    aws_s3.Bucket(Stack(app, "Bad"), "Bucket")
    assert not add_checks(app)
    app.synth()  # no finding stops it


def test_digest_outputs_only_when_a_failure_fails_the_deploy(templates, tmp_path):
    outputs = templates["full.yaml"]["EcrPtc-123456789012-eu-west-1"]["Outputs"]
    digests = {k: v["Value"] for k, v in outputs.items() if k.startswith("Digest")}
    assert len(digests) == 2 and all(v["Fn::GetAtt"][1] == "Digest" for v in digests.values())
    path = tmp_path / "warn.yaml"
    path.write_text("rules:\n  - upstream: k8s\nwarm:\n  images: [k8s/pause:3.10]\n  onFailure: warn\n")
    stack = synth(path, tmp_path / "out")["EcrPtc"]
    assert not [k for k in stack["Outputs"] if k.startswith("Digest")]
    assert [r for r in stack["Resources"].values() if r["Type"] == "Custom::EcrPtcWarmImage"]


def test_200_warmed_images_fit_one_stack_within_cloudformation_limits(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text(
        "rules:\n  - upstream: quay\nwarm:\n  images:\n"
        + "".join(f"    - quay/team/image{i:03d}:v1\n" for i in range(200))
    )
    template = synth(path, tmp_path / "out")["EcrPtc"]
    assert len(resources(template, "Custom::EcrPtcWarmImage")) == 200
    assert len(template["Resources"]) < 500 and len(json.dumps(template)) < 1_000_000
    # 200 Digest outputs plus the stack's own would pass CloudFormation's 200: none are made.
    assert len(template["Outputs"]) <= 200
    assert not [k for k in template["Outputs"] if k.startswith("Digest")]


def test_changing_one_warmed_image_touches_only_that_image(tmp_path):
    def warm_resources(images: list[str], name: str) -> dict[str, dict]:
        path = tmp_path / f"{name}.yaml"
        path.write_text("rules:\n  - upstream: k8s\n  - upstream: quay\nwarm:\n  images: [" + ", ".join(images) + "]\n")
        return resources(synth(path, tmp_path / name)["EcrPtc"], "Custom::EcrPtcWarmImage")

    before = warm_resources(["k8s/pause:3.10", "quay/prometheus/prometheus:v3"], "before")
    after = warm_resources(["k8s/pause:3.10", "quay/prometheus/node-exporter:v1"], "after")
    kept = set(before) & set(after)
    assert len(kept) == 1
    (logical_id,) = kept
    assert before[logical_id] == after[logical_id]  # same id, same properties: CloudFormation leaves it alone
    assert before[logical_id]["Properties"]["Image"] == "k8s/pause:3.10"
