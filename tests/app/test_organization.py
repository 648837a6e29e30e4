"""The app with config/organization.yaml: the hub, the StackSet's stack and the spoke, as `cdk synth` builds them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from aws_cdk import App

from ecr_ptc_app.config import load_config
from ecr_ptc_stacks.compose import add_checks, build_app

from .iam_lint import problems as iam_problems
from .lint import findings
from .releases import upgrade_problems, versions
from .synth import CONTEXT, ROOT, normalise

CONFIG = ROOT / "config" / "organization.yaml"
HUB, STACK_SET, SPOKE = (
    "EcrPtc-111111111111-eu-west-1",
    "EcrPtc-222222222222-us-east-1-stackset",
    "EcrPtcSpoke-Template",
)


@pytest.fixture(scope="module")
def assembly(tmp_path_factory):
    app = App(context=dict(CONTEXT), outdir=str(tmp_path_factory.mktemp("organization")))
    build_app(app, load_config(CONFIG))
    assert add_checks(app)  # cdk-nag checks the nested Stage's spoke too: a finding fails synth
    return app.synth()


@pytest.fixture(scope="module")
def templates(assembly):
    return {s.stack_name: s.template for s in assembly.stacks_recursively}


@pytest.mark.parametrize("stack", [HUB, STACK_SET, SPOKE])
def test_organization_config_snapshot(templates, snapshot, stack):
    assert normalise(templates[stack]) == snapshot


@pytest.mark.parametrize("version", versions())
def test_upgrading_the_spoke_from_every_release_deploys_as_updates(templates, version):
    """Every stack instance of the StackSet takes the upgrade as updates (or a Breaking entry gives the steps)."""
    assert upgrade_problems(version, "organization", {SPOKE: templates[SPOKE]}) == []


def test_deploy_all_selects_the_hub_and_the_stack_set_only(assembly):
    # `cdk deploy --all` deploys the top-level assembly's stacks (the CLI's MAIN_ASSEMBLY selection);
    # the spoke is in the nested assembly of its Stage and reaches accounts through the StackSet alone.
    assert sorted(s.stack_name for s in assembly.stacks) == [HUB, STACK_SET]
    (nested,) = assembly.nested_assemblies
    assert [s.stack_name for s in nested.nested_assembly.stacks] == [SPOKE]


@pytest.mark.parametrize(
    "stack, region, account",
    [
        (HUB, "eu-west-1", "111111111111"),
        (STACK_SET, "us-east-1", "222222222222"),
        (SPOKE, "eu-west-1", "333333333333"),
        (SPOKE, "us-east-1", "333333333333"),
    ],
)
def test_cfn_lint_and_iam_lint_clean(templates, stack, region, account):
    assert findings(templates[stack], region) == []
    assert iam_problems(templates[stack], region=region, account=account) == []


def test_the_hub_is_the_cache_stack_with_the_organization_added(templates):
    hub = templates[HUB]
    kinds = [r["Type"] for r in hub["Resources"].values()]
    assert kinds.count("AWS::ECR::PullThroughCacheRule") == 3 and "Custom::EcrPtcWarmImage" in kinds
    (policy,) = [r for r in hub["Resources"].values() if r["Type"] == "AWS::ECR::RegistryPolicy"]
    sids = {s["Sid"] for s in policy["Properties"]["PolicyText"]["Statement"]}
    assert sids == {"PullThroughCacheOrganization", "OrganizationSpokesRead"}
    assert "o-a1b2c3d4e5" in json.dumps(policy)


def test_the_stack_set_names_the_hub_and_the_targets(templates):
    (stack_set,) = [
        r for r in templates[STACK_SET]["Resources"].values() if r["Type"] == "AWS::CloudFormation::StackSet"
    ]
    targets = stack_set["Properties"]["StackInstancesGroup"][0]
    assert targets["DeploymentTargets"]["OrganizationalUnitIds"] == ["ou-ab12-34567890", "ou-ab12-0987654321"]
    assert targets["DeploymentTargets"]["Accounts"] == ["111111111111"]
    assert targets["Regions"] == ["eu-west-1", "us-east-1"]
    assert set(templates[STACK_SET]["Outputs"]) == {"StackSetId", "SpokeConsumerPolicy"}


def test_the_spoke_has_no_warmer_no_secret_and_no_lambda(templates):
    text = json.dumps(templates[SPOKE])
    for word in ("Lambda", "secretsmanager", "Custom::", "hnb659fds", "docker-hub/library"):
        assert word not in text, word


def test_validate_and_the_cdk_agree_on_the_stacks(templates):
    done = subprocess.run(
        [sys.executable, "-m", "ecr_ptc_app.cli", "validate", str(CONFIG)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "stacks: 111111111111/eu-west-1" in done.stdout
