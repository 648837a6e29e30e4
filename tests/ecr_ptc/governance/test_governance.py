"""iam (permissions boundary, role path, template role), tags and consumers: on everything the stacks create."""

from __future__ import annotations

import pytest

from ecr_ptc.errors import ValidationError
from ecr_ptc.governance.settings import RoleGovernance

from ...app.lint import findings
from ...app.synth import synth

CONFIG = """
rules:
  - upstream: ecr-public
  - upstream: docker-hub
    credentials: {create: true}
  - upstream: github-container-registry
    credentials: {secretName: ecr-pullthroughcache/ghcr}
  - upstream: ecr
    registryUrl: 444455556666.dkr.ecr.us-east-1.amazonaws.com
repositories:
  tags: {team: platform}
iam:
  permissionsBoundary: PlatformBoundary
  rolePath: /platform/ecr-ptc/
  templateRoleArn: arn:aws:iam::123456789012:role/EcrTemplates
tags:
  cost-center: "42"
  owner: platform
consumers:
  roleNames: [eks-node-role, ci-builder]
environments:
  - {account: "123456789012", region: eu-west-1}
warm:
  images: [ecr-public/nginx/nginx:latest]
  onFailure: warn
workstation:
  kind: ec2
"""


@pytest.fixture(scope="module")
def templates(tmp_path_factory):
    path = tmp_path_factory.mktemp("gov") / "config.yaml"
    path.write_text(CONFIG)
    return synth(path, path.parent / "cdk.out")


def resources(templates, kind):
    return [
        (stack, key, res)
        for stack, template in templates.items()
        for key, res in template["Resources"].items()
        if res["Type"] == kind
    ]


def test_every_role_has_the_boundary_and_path(templates):
    roles = resources(templates, "AWS::IAM::Role")
    # ours, the AwsCustomResource provider's, the Provider framework's, the warmer's, the workstation's
    assert len(roles) >= 5
    for stack, key, role in roles:
        props = role["Properties"]
        assert props.get("Path") == "/platform/ecr-ptc/", (stack, key)
        assert props["PermissionsBoundary"] == {
            "Fn::Join": ["", ["arn:", "aws", ":iam::123456789012:policy/PlatformBoundary"]]
        } or "PlatformBoundary" in str(props["PermissionsBoundary"]), (stack, key)


def test_template_role_is_the_given_one_and_none_is_created(templates):
    cache = templates["EcrPtc-123456789012-eu-west-1"]
    created = [k for k in cache["Resources"] if k.startswith("CacheTemplateRole")]
    assert created == []
    for _, _, template in resources(templates, "AWS::ECR::RepositoryCreationTemplate"):
        assert template["Properties"]["CustomRoleArn"] == "arn:aws:iam::123456789012:role/EcrTemplates"


def test_tags_on_every_taggable_resource_distinct_from_repository_tags(templates):
    tagged = 0
    for _, _, res in resources(templates, "AWS::IAM::Role") + resources(templates, "AWS::Lambda::Function"):
        tags = {t["Key"]: t["Value"] for t in res["Properties"].get("Tags", [])}
        assert tags.get("cost-center") == "42" and tags.get("owner") == "platform"
        tagged += 1
    assert tagged >= 5
    for _, _, template in resources(templates, "AWS::ECR::RepositoryCreationTemplate"):
        assert template["Properties"]["ResourceTags"] == [{"Key": "team", "Value": "platform"}]


def test_the_stacks_themselves_carry_the_tags_in_the_cloud_assembly(tmp_path):
    """cdk.json sets @aws-cdk/core:explicitStackTags, under which Tags.of(stack) leaves the stack untagged."""
    from aws_cdk import App, Stack, aws_sns

    from ecr_ptc.governance.aspects import apply_resource_tags

    from ...app.synth import CONTEXT

    assert CONTEXT.get("@aws-cdk/core:explicitStackTags") is True  # the flag this test is about
    app = App(context=dict(CONTEXT), outdir=str(tmp_path))
    stack = Stack(app, "Tagged")
    topic = aws_sns.Topic(stack, "Topic")
    apply_resource_tags(stack, {"cost-center": "42", "Team": "R and D"})
    artifact = app.synth().get_stack_artifact(stack.artifact_id)
    assert artifact.tags == {"cost-center": "42", "Team": "R and D"}
    topic_tags = artifact.template["Resources"][stack.get_logical_id(topic.node.default_child)]["Properties"]["Tags"]
    assert {t["Key"]: t["Value"] for t in topic_tags} == {"cost-center": "42", "Team": "R and D"}


def test_consumer_policy_attached_to_the_named_roles(templates):
    cache = templates["EcrPtc-123456789012-eu-west-1"]
    (policy,) = [r for r in cache["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
    assert sorted(policy["Properties"]["Roles"]) == ["ci-builder", "eks-node-role"]


def test_cfn_lint_clean(templates):
    for stack, template in templates.items():
        assert findings(template) == [], stack


@pytest.mark.parametrize(
    "kwargs, path",
    [
        ({"permissions_boundary": "arn:aws:iam::123456789012:role/NotAPolicy"}, "permissions_boundary"),
        ({"permissions_boundary": "has space"}, "permissions_boundary"),
        ({"role_path": "platform"}, "role_path"),
        ({"role_path": "/platform"}, "role_path"),
        ({"template_role_arn": "arn:aws:iam::123456789012:user/x"}, "template_role_arn"),
        ({}, ""),
    ],
)
def test_bad_governance_settings(kwargs, path):
    with pytest.raises(ValidationError) as err:
        RoleGovernance(**kwargs)
    assert err.value.path == path and err.value.fix


def test_a_template_role_with_a_path_is_refused():
    with pytest.raises(ValidationError, match="without a path"):
        RoleGovernance(template_role_arn="arn:aws:iam::123456789012:role/platform/EcrTemplates")


def test_the_created_template_role_keeps_path_slash(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(
        "rules: [{upstream: ecr-public}]\nrepositories: {tags: {team: platform}}\n"
        "iam: {rolePath: /platform/}\nenvironments: [{account: '123456789012', region: eu-west-1}]\n"
    )
    (template,) = synth(path, tmp_path / "cdk.out").values()
    roles = {k: r["Properties"] for k, r in template["Resources"].items() if r["Type"] == "AWS::IAM::Role"}
    (template_role,) = [k for k in roles if k.startswith("CacheTemplateRole")]
    assert "Path" not in roles[template_role]
    assert all(p.get("Path") == "/platform/" for k, p in roles.items() if k != template_role)
