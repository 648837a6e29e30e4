"""Pull-through cache rules that update in place (-c ecr-ptc:pullThroughCacheRules=managed), and the move there from
0.2.0's AWS::ECR::PullThroughCacheRule, checked with plan's classifier against the 0.2.0 release fixtures.

config/organization.yaml: a hub with a credentials rule (docker-hub by secret name) and a spoke, so the spoke's
staying asset- and Lambda-free is checked too.
"""

from __future__ import annotations

import json

import pytest

from ecr_ptc_app.plan.assembly import read
from ecr_ptc_app.plan.classify import ADDED, REMOVED, UPDATED, classify

from .iam_lint import problems as iam_problems
from .lint import findings
from .releases import HERE as RELEASES
from .synth import ROOT, normalise, synth_all

CONFIG = ROOT / "config" / "organization.yaml"
HUB, SPOKE = "EcrPtc-111111111111-eu-west-1", "EcrPtcSpoke-Template"
MODE = "ecr-ptc:pullThroughCacheRules"
RULE, MANAGED = "AWS::ECR::PullThroughCacheRule", "Custom::EcrPtcPullThroughCacheRule"


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    """Templates by mode (cdk-nag runs in each synth)."""
    return {mode: synth_all(CONFIG, tmp_path_factory.mktemp(mode), **{MODE: mode}) for mode in ("retain", "managed")}


def release() -> dict[str, dict]:
    return {name: s.template for name, s in read(RELEASES / "0.2.0" / "organization").items()}


def plan(old: dict[str, dict], new: dict[str, dict]):
    stacks = classify(old, {n: normalise(t) for n, t in new.items()}, {})
    return {s.stack: s for s in stacks}


def of_type(template: dict, kind: str) -> dict[str, dict]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def test_retain_keeps_the_rules_logical_ids_and_retains_them(synthesized):
    hub = synthesized["retain"][HUB]
    rules = of_type(hub, RULE)
    assert set(rules) == set(of_type(release()[HUB], RULE))
    assert all(r["DeletionPolicy"] == r["UpdateReplacePolicy"] == "Retain" for r in rules.values())


def test_from_0_2_0_through_retain_to_managed_every_deploy_is_safe(synthesized):
    first = plan(release(), synthesized["retain"])
    assert not [c for s in first.values() for c in s.refused]
    assert {c.action for c in first[HUB].changes if c.type == RULE} == {UPDATED}  # the policies only
    second = plan({n: normalise(t) for n, t in synthesized["retain"].items()}, synthesized["managed"])
    assert not [c for s in second.values() for c in s.refused]
    hub = {c.logical_id: c for c in second[HUB].changes}
    removed = [lid for lid, c in hub.items() if c.type == RULE]
    added = [lid for lid, c in hub.items() if c.type == MANAGED]
    assert removed and len(added) == len(removed)
    assert {hub[lid].action for lid in removed} == {REMOVED} and {hub[lid].action for lid in added} == {ADDED}


def test_from_0_2_0_straight_to_managed_is_refused_with_the_retain_step(synthesized):
    refused = [c for c in plan(release(), synthesized["managed"])[HUB].refused if c.type == MANAGED]
    assert len(refused) == len(of_type(release()[HUB], RULE))
    assert all("deletes the old" in c.loss and "=retain" in c.fix for c in refused)


def test_a_credential_change_of_a_managed_rule_updates_it_in_place(synthesized):
    """The hub's docker-hub secret given by ARN instead of by name (the template's CredentialArn changes)."""
    before = {n: normalise(t) for n, t in synthesized["managed"].items()}
    after = json.loads(json.dumps(synthesized["managed"]))
    (rule,) = [
        r for r in of_type(after[HUB], MANAGED).values() if r["Properties"]["EcrRepositoryPrefix"] == "docker-hub"
    ]
    rule["Properties"]["CredentialArn"] = (
        "arn:aws:secretsmanager:eu-west-1:111111111111:secret:ecr-pullthroughcache/hub-AbCdEf"
    )
    changes = plan(before, after)[HUB]
    (change,) = [c for c in changes.changes if c.type == MANAGED]
    assert (change.action, change.properties, change.refused) == (UPDATED, ("CredentialArn",), False)
    assert not changes.refused


def test_managed_rules_run_in_the_hub_and_never_in_the_spoke(synthesized):
    hub, spoke = synthesized["managed"][HUB], synthesized["managed"][SPOKE]
    managed = of_type(hub, MANAGED)
    assert {r["Properties"]["EcrRepositoryPrefix"] for r in managed.values()} == {"ecr-public", "k8s", "docker-hub"}
    assert not of_type(hub, RULE)
    (function,) = [
        r
        for r in of_type(hub, "AWS::Lambda::Function").values()
        if r["Properties"]["Handler"] == "ecr_ptc_runtime.handler.rule_handler"
    ]
    assert all(r["Properties"]["ServiceToken"]["Fn::GetAtt"][1] == "Arn" for r in managed.values())
    assert of_type(spoke, RULE) and not of_type(spoke, MANAGED) and not of_type(spoke, "AWS::Lambda::Function")
    assert function["Properties"]["Timeout"] == 120


def test_the_rule_managers_role_is_least_privilege_and_the_templates_lint_clean(synthesized):
    hub = synthesized["managed"][HUB]
    roles = [k for k, r in of_type(hub, "AWS::IAM::Role").items() if k.startswith("EcrPtcRuleManagerRole")]
    (policy,) = [p for p in of_type(hub, "AWS::IAM::Policy").values() if {"Ref": roles[0]} in p["Properties"]["Roles"]]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    star = [s for s in statements if s["Resource"] == "*"]
    assert len(star) == 1 and all(a.endswith("PullThroughCacheRule") or a.endswith("Rules") for a in star[0]["Action"])
    linked = next(s for s in statements if s["Action"] == "iam:CreateServiceLinkedRole")
    assert linked["Condition"] == {"StringEquals": {"iam:AWSServiceName": "pullthroughcache.ecr.amazonaws.com"}}
    assert any(s["Action"] == "secretsmanager:GetSecretValue" for s in statements)
    assert findings(hub, "eu-west-1") == []
    assert iam_problems(hub, region="eu-west-1", account="111111111111") == []
    assert "rule_handler" in json.dumps(hub)


def test_an_unknown_mode_is_refused_with_a_fix(tmp_path):
    from ecr_ptc.errors import ValidationError

    with pytest.raises(ValidationError, match="expected one of cloudformation, retain, managed"):
        synth_all(CONFIG, tmp_path, **{MODE: "custom"})
