"""The cfn-lint gate: cfn-lint's findings, less the ones it gets wrong about our templates."""

from __future__ import annotations

import pytest

from ecr_ptc_app.plan.gates import cfn_lint_findings


def topic(*keys: str) -> dict:
    tags = [{"Key": key, "Value": "v"} for key in keys]
    return {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"Tags": tags}}}}


@pytest.mark.parametrize("keys", [("false", "team"), ("FALSE", "łĢCÚVęĉ", "\U00018726P"), ("False", "0")])
def test_tag_keys_that_read_as_booleans_are_not_duplicates(keys):
    # cfn-lint 1.58.0 compares "false" and any other string as equal booleans (E3024); CloudFormation does not.
    assert cfn_lint_findings(topic(*keys)) == []


@pytest.mark.parametrize("keys", [("team", "team"), ("false", "false"), ("true", "team", "true")])
def test_real_duplicate_tag_keys_still_fail(keys):
    assert [line.split(" ")[0] for line in cfn_lint_findings(topic(*keys))] == ["E3024"]
