"""Registry singletons you can share: your registry-policy statements and scanning rules beside the cache's."""

from __future__ import annotations

import json

import pytest

from ecr_ptc.cache.registry_settings import RegistrySettings, ScanningRule, ScanningSettings, merged_scanning
from ecr_ptc.errors import ValidationError
from ecr_ptc_app.config import load_config

from ...app.iam_lint import problems as iam_problems
from ...app.lint import findings
from ...app.synth import synth

CONFIG = """
rules:
  - upstream: ecr-public
  - upstream: quay
    prefix: team/quay
repositories:
  scanOnPush: enhanced
access:
  principals: ["222233334444"]
registry:
  policyStatements:
    - Sid: ReplicationFromProd
      Effect: Allow
      Principal: {AWS: "arn:aws:iam::111122223333:root"}
      Action: [ecr:CreateRepository, ecr:ReplicateImage]
      Resource: "arn:aws:ecr:eu-west-1:123456789012:repository/*"
    - Sid: HealthOmicsPullThroughCache
      Effect: Allow
      Principal: {Service: omics.amazonaws.com}
      Action: [ecr:CreateRepository, ecr:BatchImportUpstreamImage]
      Resource: "arn:aws:ecr:eu-west-1:123456789012:repository/*"
  scanning:
    scanType: ENHANCED
    rules:
      - {frequency: CONTINUOUS_SCAN, filters: ["prod/*"]}
      - {frequency: SCAN_ON_PUSH, filters: ["*"]}
environments:
  - {account: "123456789012", region: eu-west-1}
"""


@pytest.fixture(scope="module")
def config_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("registry") / "config.yaml"
    path.write_text(CONFIG)
    return path


@pytest.fixture(scope="module")
def template(config_file):
    return synth(config_file, config_file.parent / "cdk.out")["EcrPtc-123456789012-eu-west-1"]


def only(template, kind):
    (found,) = [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]
    return found


def test_statements_merged_with_the_caches(template):
    statements = only(template, "AWS::ECR::RegistryPolicy")["PolicyText"]["Statement"]
    assert [s["Sid"] for s in statements] == [
        "PullThroughCachePrincipals",
        "ReplicationFromProd",
        "HealthOmicsPullThroughCache",
    ]


def test_scanning_rules_joined(template):
    scanning = only(template, "AWS::ECR::RegistryScanningConfiguration")
    assert scanning["ScanType"] == "ENHANCED"
    by_frequency = {r["ScanFrequency"]: [f["Filter"] for f in r["RepositoryFilters"]] for r in scanning["Rules"]}
    assert by_frequency == {"CONTINUOUS_SCAN": ["prod/*"], "SCAN_ON_PUSH": ["*", "ecr-public/*", "team/quay/*"]}


def test_lint_clean(template):
    assert findings(template, "eu-west-1") == []
    assert iam_problems(template, region="eu-west-1", account="123456789012") == []


def test_validate_says_the_stack_owns_the_singletons(config_file):
    warnings = " ".join(load_config(config_file).warnings)
    assert "owns the registry permissions policy" in warnings
    assert "owns the registry scanning configuration" in warnings


@pytest.mark.parametrize(
    "statement, path",
    [
        ({"Effect": "Allow", "Action": "ecr:CreateRepository"}, "policy_statements[0]"),
        ({"Effect": "Allow", "Principal": "*", "Action": "ecr:CreateRepository"}, "policy_statements[0].Principal"),
        ({"Effect": "Allow", "Principal": {"AWS": "1"}, "Action": "s3:GetObject"}, "policy_statements[0].Action[0]"),
        ({"Effect": "Maybe", "Principal": {"AWS": "1"}, "Action": "ecr:*"}, "policy_statements[0].Effect"),
        ({"Sid": "PullThroughCachePrincipals", "Effect": "Allow"}, "policy_statements[0].Sid"),
        (
            {"Effect": "Allow", "Principal": {"AWS": "1"}, "Action": "ecr:*", "Actions": []},
            "policy_statements[0].Actions",
        ),
    ],
)
def test_bad_statements(statement, path):
    with pytest.raises(ValidationError) as err:
        RegistrySettings(policy_statements=(statement,))
    assert err.value.path == path


def test_scanning_rules_as_ecr_takes_them():
    with pytest.raises(ValidationError, match="CONTINUOUS_SCAN needs ENHANCED"):
        ScanningSettings("BASIC", (ScanningRule("CONTINUOUS_SCAN", ("*",)),))
    with pytest.raises(ValidationError, match="a second SCAN_ON_PUSH"):
        ScanningSettings("BASIC", (ScanningRule("SCAN_ON_PUSH", ("a",)), ScanningRule("SCAN_ON_PUSH", ("b",))))
    with pytest.raises(ValidationError) as err:
        ScanningRule("SCAN_ON_PUSH", ("a--b/*",))
    assert err.value.path == "filters[0]"
    with pytest.raises(ValidationError, match="one scan type"):
        merged_scanning(ScanningSettings("BASIC", (ScanningRule("SCAN_ON_PUSH", ("*",)),)), "ENHANCED", ["x/*"])
    assert json.dumps(merged_scanning(None, "BASIC", ["x/*"])) == json.dumps(
        (
            "BASIC",
            [{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "x/*", "filterType": "WILDCARD"}]}],
        )
    )
