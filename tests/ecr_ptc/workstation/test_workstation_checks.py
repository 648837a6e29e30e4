"""cdk-nag, cfn-lint and no-lookup checks on the synthesized workstation stacks."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam

from tests.app.lint import findings

from .conftest import REGION_BOUND, SETTINGS, nag_app

KINDS = [*SETTINGS, *REGION_BOUND]

# CDK's AwsCustomResource Lambda repeats, as DependsOn, the order its Role GetAtt already sets.
SINGLETON_W3005 = "W3005 'AWS679f53fac002430cb0da5b7982bd2287ServiceRole"


@pytest.mark.parametrize("kind", KINDS)
def test_cdk_nag_clean(synthesized, kind):
    # synth raised on any unacknowledged finding; the report must hold none either.
    report = json.loads((synthesized[kind].outdir / "validation-report.json").read_text())
    assert [v for plugin in report["pluginReports"] for v in plugin["violations"]] == []


@pytest.mark.parametrize("kind", KINDS)
def test_cfn_lint_clean(synthesized, kind):
    assert [f for f in findings(synthesized[kind].json) if not f.startswith(SINGLETON_W3005)] == []


@pytest.mark.parametrize("kind", KINDS)
def test_no_context_lookups(synthesized, kind):
    manifest = json.loads((synthesized[kind].outdir / "manifest.json").read_text())
    assert "missing" not in manifest


def test_cdk_nag_would_catch_an_unacknowledged_finding(tmp_path):
    """The fixtures' clean synths mean something: the same app set-up fails on a finding."""
    app = nag_app(tmp_path)
    stack = cdk.Stack(app, "Bare")
    iam.Role(
        stack,
        "Role",
        assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("AmazonSSMManagedInstanceCore")],
    )
    with pytest.raises(RuntimeError, match=r"AwsSolutions-IAM4\[Policy::.*AmazonSSMManagedInstanceCore\]"):
        app.synth()
