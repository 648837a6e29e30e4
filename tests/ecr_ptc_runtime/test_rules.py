"""Custom::EcrPtcPullThroughCacheRule against botocore's Stubber: create, adopt, update in place, delete-then-create,
delete, and the answer to CloudFormation."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from ecr_ptc_runtime import handler, rules

SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/hub-AbCdEf"
NEW_SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/hub-XyZwVu"
PROPS = {
    "EcrRepositoryPrefix": "docker-hub",
    "UpstreamRegistryUrl": "registry-1.docker.io",
    "UpstreamRegistry": "docker-hub",
    "CredentialArn": SECRET,
}
RULE = {
    "ecrRepositoryPrefix": "docker-hub",
    "upstreamRegistryUrl": "registry-1.docker.io",
    "upstreamRegistry": "docker-hub",
    "credentialArn": SECRET,
    "upstreamRepositoryPrefix": "ROOT",
}


@pytest.fixture
def ecr():
    client = boto3.client("ecr", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def found(stub, rule=None):
    if rule is None:
        stub.add_client_error("describe_pull_through_cache_rules", rules.NOT_FOUND, "none")
    else:
        stub.add_response("describe_pull_through_cache_rules", {"pullThroughCacheRules": [rule]})


def event(kind, props=PROPS, physical=None, old=None):
    e = {"RequestType": kind, "ResourceProperties": {"ServiceToken": "arn", **props}, "RequestId": "r-1"}
    if physical:
        e["PhysicalResourceId"] = physical
    if old:
        e["OldResourceProperties"] = old
    return e


def test_create_makes_the_rule_and_names_it_by_its_prefix(ecr):
    client, stub = ecr
    found(stub)
    want = {k: v for k, v in RULE.items() if k != "upstreamRepositoryPrefix"}
    stub.add_response("create_pull_through_cache_rule", {}, want)
    assert rules.on_event(event("Create"), client) == "docker-hub"


def test_create_adopts_an_identical_rule_and_refuses_another_owners(ecr):
    """The move from AWS::ECR::PullThroughCacheRule: the retained rule is already what the template says."""
    client, stub = ecr
    found(stub, RULE)
    assert rules.on_event(event("Create"), client) == "docker-hub"  # no create call was stubbed
    found(stub, {**RULE, "upstreamRegistryUrl": "registry.example.com"})
    with pytest.raises(rules.RuleConflict, match="delete-pull-through-cache-rule --ecr-repository-prefix docker-hub"):
        rules.on_event(event("Create"), client)


def test_a_new_credential_updates_the_rule_in_place(ecr):
    client, stub = ecr
    found(stub, RULE)
    stub.add_response(
        "update_pull_through_cache_rule", {}, {"ecrRepositoryPrefix": "docker-hub", "credentialArn": NEW_SECRET}
    )
    new = {**PROPS, "CredentialArn": NEW_SECRET}
    assert rules.on_event(event("Update", new, "docker-hub", PROPS), client) == "docker-hub"


def test_a_new_upstream_under_the_same_prefix_is_deleted_then_created(ecr):
    client, stub = ecr
    found(stub, RULE)
    stub.add_response("delete_pull_through_cache_rule", {}, {"ecrRepositoryPrefix": "docker-hub"})
    new = {**PROPS, "UpstreamRepositoryPrefix": "library"}
    want = {k: v for k, v in RULE.items() if k != "upstreamRepositoryPrefix"} | {"upstreamRepositoryPrefix": "library"}
    stub.add_response("create_pull_through_cache_rule", {}, want)
    assert rules.on_event(event("Update", new, "docker-hub", PROPS), client) == "docker-hub"


def test_a_rollback_to_the_old_properties_recreates_a_rule_a_failed_update_deleted(ecr):
    client, stub = ecr
    found(stub)
    stub.add_response(
        "create_pull_through_cache_rule", {}, {k: v for k, v in RULE.items() if k != "upstreamRepositoryPrefix"}
    )
    assert rules.on_event(event("Update", PROPS, "docker-hub"), client) == "docker-hub"


def test_a_new_prefix_is_a_new_rule_and_cloudformation_deletes_the_old_one(ecr):
    client, stub = ecr
    found(stub)
    new = {**PROPS, "EcrRepositoryPrefix": "hub"}
    stub.add_response(
        "create_pull_through_cache_rule",
        {},
        {**{k: v for k, v in RULE.items() if k != "upstreamRepositoryPrefix"}, "ecrRepositoryPrefix": "hub"},
    )
    assert rules.on_event(event("Update", new, "docker-hub", PROPS), client) == "hub"
    stub.add_response("delete_pull_through_cache_rule", {}, {"ecrRepositoryPrefix": "docker-hub"})
    assert rules.on_event(event("Delete", PROPS, "docker-hub"), client) == "docker-hub"


def test_delete_of_a_rule_already_gone_or_never_created(ecr):
    client, stub = ecr
    stub.add_client_error("delete_pull_through_cache_rule", rules.NOT_FOUND, "gone")
    rules.on_event(event("Delete", PROPS, "docker-hub"), client)
    rules.on_event(event("Delete", PROPS, f"{rules.NOT_CREATED}r-1"), client)  # no call: nothing stubbed


def test_the_handler_always_answers_cloudformation(ecr, monkeypatch):
    client, stub = ecr
    answers = []
    monkeypatch.setattr(handler, "ecr_client", lambda: client)
    monkeypatch.setattr(handler, "respond", lambda url, body: answers.append((url, body)))
    found(stub, {**RULE, "upstreamRegistryUrl": "registry.example.com"})
    handler.rule_handler({**event("Create"), "ResponseURL": "https://cfn/x", "LogicalResourceId": "Rule"}, None)
    ((url, body),) = answers
    assert url == "https://cfn/x" and body["Status"] == "FAILED" and "RuleConflict" in body["Reason"]
    assert body["PhysicalResourceId"] == f"{rules.NOT_CREATED}r-1"  # its rollback Delete deletes nothing
    found(stub, RULE)
    handler.rule_handler({**event("Create"), "ResponseURL": "https://cfn/y"}, None)
    assert answers[1][1]["Status"] == "SUCCESS" and answers[1][1]["PhysicalResourceId"] == "docker-hub"
