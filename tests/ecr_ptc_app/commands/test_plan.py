"""`ecr-ptc plan` against stored cloud assemblies (the 0.2.0 release fixtures) and, with botocore's Stubber,
against deployed templates."""

from __future__ import annotations

import argparse
import copy
import io
import json
import shutil
import tempfile
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from ecr_ptc_app.commands import plan
from ecr_ptc_app.plan import sources
from ecr_ptc_app.plan.assembly import AssemblyStack, read
from tests.app.releases import HERE as RELEASES
from tests.app.synth import ROOT

DEFAULT = ROOT / "config" / "default.yaml"
ORGANIZATION = ROOT / "config" / "organization.yaml"
FIXTURE = RELEASES / "0.2.0"
SYNTHESIZED: dict[str, dict[str, AssemblyStack]] = {}


@pytest.fixture(autouse=True)
def synth_once(monkeypatch):
    """One real synth per config for the module (about 10 s each): later plans reuse its templates."""
    real = sources.synthesize

    def once(config, outdir, context):
        key = str(config.file)
        if key not in SYNTHESIZED:
            SYNTHESIZED[key] = real(config, outdir, context)
        return copy.deepcopy(SYNTHESIZED[key])

    monkeypatch.setattr(sources, "synthesize", once)


def run(*argv: str, session=None) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="ecr-ptc")
    plan.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["plan", *argv])
    out, err = io.StringIO(), io.StringIO()
    code = plan.run(args, stdout=out, stderr=err, session=session)
    return code, out.getvalue(), err.getvalue()


def edited_fixture(tmp_path, config: str, stack: str, edit) -> str:
    folder = tmp_path / config
    shutil.copytree(FIXTURE / config, folder)
    path = folder / f"{stack}.template.json"
    template = json.loads(path.read_text())
    edit(template["Resources"])
    path.write_text(json.dumps(template))
    return str(folder)


def rule_of(resources: dict, prefix: str) -> dict:
    (found,) = [
        r
        for r in resources.values()
        if r["Type"] == "AWS::ECR::PullThroughCacheRule" and r["Properties"]["EcrRepositoryPrefix"] == prefix
    ]
    return found


def test_the_default_config_against_its_0_2_0_templates_deploys_safely():
    code, out, err = run("--config", str(DEFAULT), "--against", str(FIXTURE / "default"))
    assert code == 0, err
    assert "EcrPtc: " in out and "every change deploys: no failure, no loss" in out and not err


def test_a_rule_whose_upstream_changed_under_its_prefix_is_refused_with_steps(tmp_path, monkeypatch):
    def no_aws(*args, **kwargs):
        raise AssertionError("an AWS client without --against deployed")

    monkeypatch.setattr(boto3.session, "Session", no_aws)
    monkeypatch.setattr(boto3, "client", no_aws)

    def edit(resources):
        rule_of(resources, "quay")["Properties"]["UpstreamRegistryUrl"] = "quay.example.com"

    old = edited_fixture(tmp_path, "default", "EcrPtc", edit)
    code, out, err = run("--config", str(DEFAULT), "--against", old)
    assert code == 1
    assert "replaced  CachequayRule" in out and "UpstreamRegistryUrl" in out and "quay already exists" in out
    assert "Fix: deploy twice: first with this rule left out of rules" in out
    assert "problem: EcrPtc CachequayRule" in err and "Fix:" in err


def test_json_output_lists_each_change(tmp_path):
    def edit(resources):
        del resources[next(k for k, r in resources.items() if r["Type"] == "AWS::ECR::RepositoryCreationTemplate")]

    old = edited_fixture(tmp_path, "default", "EcrPtc", edit)
    code, out, _ = run("--config", str(DEFAULT), "--against", old, "--output", "json")
    document = json.loads(out)
    (stack,) = document["stacks"]
    (added,) = [c for c in stack["changes"] if c["action"] == "added"]
    assert added["type"] == "AWS::ECR::RepositoryCreationTemplate" and not added["refused"]
    assert code == 0 and document["exitCode"] == 0 and document["cfnLint"] == []


def test_a_removed_registry_policy_is_a_loss_when_the_config_drops_access(tmp_path):
    """Plan from a richer assembly to a config without it: what the old templates had and the new ones lack."""

    def edit(resources):
        resources["OldRegistryPolicy"] = {"Type": "AWS::ECR::RegistryPolicy", "Properties": {"PolicyText": {}}}

    old = edited_fixture(tmp_path, "default", "EcrPtc", edit)
    code, out, err = run("--config", str(DEFAULT), "--against", old)
    assert code == 1 and "removed   OldRegistryPolicy" in out and "loses: the registry policy is deleted" in out


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--against", "/nonexistent/cdk.out"], "no such directory"),
        (["--config", "/nonexistent.yaml", "--against", "."], "nonexistent.yaml"),
        (["--against", "tests"], "holds no stack template"),
    ],
)
def test_bad_usage_exits_2_with_a_fix(argv, says, monkeypatch):
    monkeypatch.chdir(ROOT)
    code, out, err = run(*argv)
    assert code == 2 and says in err and out == ""


def test_a_cloud_assembly_manifest_is_read_with_nested_assemblies(tmp_path):
    """cdk.out as the CDK CLI writes it: stack names, environments and the spoke's nested assembly."""
    from aws_cdk import App

    from ecr_ptc_app.config import load_config
    from ecr_ptc_stacks.compose import build_app

    app = App(outdir=str(tmp_path), context={"nag": "false"})
    build_app(app, load_config(ORGANIZATION))
    app.synth()
    stacks = read(tmp_path)
    hub, spoke = stacks["EcrPtc-111111111111-eu-west-1"], stacks["EcrPtcSpoke-Template"]
    assert (hub.account, hub.region, hub.nested) == ("111111111111", "eu-west-1", False)
    assert spoke.nested and spoke.account is None and spoke.template["Resources"]
    assert stacks["EcrPtc-222222222222-us-east-1-stackset"].region == "us-east-1"


# --- against deployed, with botocore's Stubber --------------------------------------------------------------
def fixture_stacks() -> dict[str, AssemblyStack]:
    """The organization's 0.2.0 templates as a synth of today would give them (environments, the nested spoke)."""
    found = read(FIXTURE / "organization")
    where = {
        "EcrPtc-111111111111-eu-west-1": ("111111111111", "eu-west-1", False),
        "EcrPtc-222222222222-us-east-1-stackset": ("222222222222", "us-east-1", False),
        "EcrPtcSpoke-Template": (None, None, True),
    }
    return {n: AssemblyStack(n, s.template, *where[n]) for n, s in found.items()}


class Session:
    """A boto3 stand-in whose clients are stubbed: (service, region) -> client."""

    region_name = "us-east-1"

    def __init__(self, clients: dict) -> None:
        self.clients = clients

    def client(self, service, region_name=None, **_):
        return self.clients[(service, region_name)]


def stubbed(service: str, region: str):
    client = boto3.client(service, region_name=region, aws_access_key_id="x", aws_secret_access_key="x")
    return client, Stubber(client)


def test_deployed_reads_the_stack_and_the_stack_sets_template_read_only(monkeypatch):
    stacks = fixture_stacks()
    monkeypatch.setattr(sources, "synthesize", lambda *a: copy.deepcopy(stacks))
    monkeypatch.setattr(plan, "_lint", lambda new: [])  # the gate is exercised by the synth tests above
    deployed_spoke = copy.deepcopy(stacks["EcrPtcSpoke-Template"].template)
    rule_of(deployed_spoke["Resources"], "docker-hub")["Properties"]["UpstreamRegistryUrl"] = "old.example.com"

    sts, sts_stub = stubbed("sts", "us-east-1")
    sts_stub.add_response("get_caller_identity", {"Account": "222222222222"})
    cfn, cfn_stub = stubbed("cloudformation", "us-east-1")
    template = json.dumps(stacks["EcrPtc-222222222222-us-east-1-stackset"].template)
    cfn_stub.add_response(
        "get_template",
        {"TemplateBody": template},
        {"StackName": "EcrPtc-222222222222-us-east-1-stackset", "TemplateStage": "Original"},
    )
    name = "ecr-ptc-spoke"
    cfn_stub.add_response(
        "describe_stack_set",
        {"StackSet": {"StackSetName": name, "TemplateBody": json.dumps(deployed_spoke)}},
        {"StackSetName": name, "CallAs": "DELEGATED_ADMIN"},
    )
    organizations, org_stub = stubbed("organizations", "us-east-1")
    org_stub.add_client_error("describe_organization", "AccessDeniedException", "not the management account")
    session = Session(
        {("sts", None): sts, ("cloudformation", "us-east-1"): cfn, ("organizations", "us-east-1"): organizations}
    )
    with sts_stub, cfn_stub, org_stub:
        code, out, err = run("--config", str(ORGANIZATION), "--against", "deployed", session=session)
        cfn_stub.assert_no_pending_responses()
    assert code == 1
    assert "EcrPtc-111111111111-eu-west-1: not compared: it is in account 111111111111" in out
    assert "EcrPtc-222222222222-us-east-1-stackset: unchanged" in out
    assert "EcrPtcSpoke-Template (deployed by the StackSet to every stack instance): 1 replaced" in out
    assert "docker-hub already exists" in out and "stack instances not counted" in out
    assert "AccessDeniedException" in out


def test_deployed_stack_not_found_is_added_and_other_errors_exit_2(monkeypatch):
    stack = AssemblyStack("EcrPtc", {"Resources": {"R": {"Type": "AWS::SNS::Topic", "Properties": {}}}})
    monkeypatch.setattr(sources, "synthesize", lambda *a: {"EcrPtc": stack})
    monkeypatch.setattr(plan, "_lint", lambda new: [])
    cfn, stub = stubbed("cloudformation", "us-east-1")
    stub.add_client_error("get_template", "ValidationError", "Stack with id EcrPtc does not exist")
    stub.add_client_error("get_template", "AccessDenied", "no")
    session = Session({("cloudformation", "us-east-1"): cfn})
    with stub:
        code, out, err = run("--config", str(DEFAULT), "--against", "deployed", session=session)
        assert code == 0 and "added     R (AWS::SNS::Topic)" in out and "EcrPtc: not deployed yet" in out
        code, out, err = run("--config", str(DEFAULT), "--against", "deployed", session=session)
    assert code == 2 and "cannot read stack EcrPtc: AccessDenied" in err and "Fix: run with credentials" in err


def test_a_stack_the_config_no_longer_has_is_left_deployed_and_said_so(tmp_path):
    folder = tmp_path / "old"
    shutil.copytree(FIXTURE / "default", folder)
    shutil.copy(folder / "EcrPtc.template.json", folder / "EcrPtc-111122223333-eu-west-1.template.json")
    code, out, _ = run("--config", str(DEFAULT), "--against", str(folder))
    assert code == 0
    assert "EcrPtc-111122223333-eu-west-1: removed" in out and "cdk destroy EcrPtc-111122223333-eu-west-1" in out


def test_a_cdk_nag_finding_in_the_new_templates_fails_the_plan(monkeypatch, tmp_path):
    """The gates run on plan's own synth (even with nag=false in ./cdk.json): a finding exits 1."""
    from aws_cdk import Stack, aws_s3

    config = tmp_path / "own.yaml"  # not the module's cached synth of DEFAULT
    shutil.copy(DEFAULT, config)

    import ecr_ptc_stacks.compose as compose

    monkeypatch.setattr(compose, "build_app", lambda app, config: [aws_s3.Bucket(Stack(app, "EcrPtc"), "Bucket")])
    monkeypatch.setattr(sources, "cdk_context", lambda folder: {})
    monkeypatch.setattr(plan, "_lint", lambda new: pytest.fail("cfn-lint ran after a failed synth"))
    code, out, err = run("--config", str(config), "--against", str(FIXTURE / "default"))
    assert code == 1 and "fail the cdk-nag gate" in err and "AwsSolutions-S1" in err and out == ""


def test_a_cfn_lint_finding_in_the_new_templates_fails_the_plan():
    from ecr_ptc_app.plan.gates import cfn_lint_findings

    broken = {"Resources": {"Rule": {"Type": "AWS::ECR::PullThroughCacheRule", "Properties": {"Nope": 1}}}}
    assert any(line.startswith("E") for line in cfn_lint_findings(broken))
    code, out, err = run_with_templates({"EcrPtc": AssemblyStack("EcrPtc", broken)})
    assert code == 1 and "problem: cfn-lint: EcrPtc: E" in err


def test_cdk_context_drops_nag_and_reads_the_feature_flags(tmp_path):
    (tmp_path / "cdk.json").write_text(
        json.dumps({"app": "x", "context": {"nag": "false", "@aws-cdk/core:flag": True}})
    )
    assert sources.cdk_context(tmp_path) == {"@aws-cdk/core:flag": True}
    assert sources.cdk_context(tmp_path / "none") == {}


def run_with_templates(stacks: dict, *argv: str):
    old = {"Resources": {}}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sources, "synthesize", lambda *a: stacks)
        folder = Path(tempfile.mkdtemp())
        (folder / "EcrPtc.template.json").write_text(json.dumps(old))
        return run("--config", str(DEFAULT), "--against", str(folder), *argv)


def test_context_given_on_the_command_line_reaches_the_synth(monkeypatch):
    seen = {}

    def capture(config, outdir, context):
        seen.update(context)
        return {"EcrPtc": AssemblyStack("EcrPtc", {"Resources": {}})}

    monkeypatch.setattr(sources, "synthesize", capture)
    monkeypatch.setattr(plan, "_lint", lambda new: [])
    code, _, _ = run(
        "--config", str(DEFAULT), "--against", str(FIXTURE / "default"), "-c", "ecr-ptc:pullThroughCacheRules=managed"
    )
    assert code == 1 and seen["ecr-ptc:pullThroughCacheRules"] == "managed"  # every 0.2.0 resource removed: losses
    code, _, err = run("--config", str(DEFAULT), "--against", str(FIXTURE / "default"), "-c", "novalue")
    assert code == 2 and "expected KEY=VALUE" in err
