"""Per-prefix repository settings, tag mutability exclusions, lifecycle rules and files, read access."""

from __future__ import annotations

import json

import pytest

from ecr_ptc.cache.lifecycle import LifecycleRule, check_lifecycle_policy
from ecr_ptc.cache.settings import ReadAccess, RepositorySettings
from ecr_ptc.errors import ValidationError

from ...app.iam_lint import problems as iam_problems
from ...app.lint import findings
from ...app.synth import synth

CONFIG = """
rules:
  - upstream: ecr-public
    repositories:
      keepLastImages: null
      expireUntaggedAfterDays: 1
  - upstream: docker-hub
    credentials: {secretName: ecr-pullthroughcache/docker-hub}
    repositories:
      tagMutability: IMMUTABLE_WITH_EXCLUSION
      tagMutabilityExclusions: [latest, "stable*"]
      encryption: {kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}
  - upstream: quay
    repositories:
      lifecyclePolicyFile: quay-lifecycle.json
      expireUntaggedAfterDays: null
      lifecycleRules: []
repositories:
  expireUntaggedAfterDays: 7
  lifecycleRules:
    - {tagPrefixes: [v], keepLast: 5}
    - {tagPatterns: ["*-rc*"], expireAfterDays: 14, description: release candidates}
  readAccess:
    services: [omics.amazonaws.com]
    principals: ["arn:aws:iam::123456789012:role/pipeline"]
environments:
  - {account: "123456789012", region: eu-west-1}
"""
QUAY_POLICY = {
    "rules": [
        {
            "rulePriority": 10,
            "description": "keep 3 main builds",
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": ["main"],
                "countType": "imageCountMoreThan",
                "countNumber": 3,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 20,
            "description": "everything else after 30 days",
            "selection": {"tagStatus": "any", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 30},
            "action": {"type": "expire"},
        },
    ]
}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("repos")
    (folder / "quay-lifecycle.json").write_text(json.dumps(QUAY_POLICY))
    (folder / "config.yaml").write_text(CONFIG)
    return synth(folder / "config.yaml", folder / "cdk.out")["EcrPtc-123456789012-eu-west-1"]


def templates_by_prefix(template):
    return {
        r["Properties"]["Prefix"]: r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::ECR::RepositoryCreationTemplate"
    }


def test_a_rule_overrides_the_default_key_by_key(template):
    by_prefix = templates_by_prefix(template)
    public = json.loads(by_prefix["ecr-public"]["LifecyclePolicy"])["rules"]
    untagged = [r for r in public if r["selection"]["tagStatus"] == "untagged"]
    assert untagged[0]["selection"]["countNumber"] == 1  # its own value
    assert [r["selection"].get("tagPrefixList") for r in public][0] == ["v"]  # the default's rules, kept
    assert by_prefix["ecr-public"]["ImageTagMutability"] == "MUTABLE"
    hub = by_prefix["docker-hub"]
    assert hub["ImageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert hub["ImageTagMutabilityExclusionFilters"] == [
        {"ImageTagMutabilityExclusionFilterType": "WILDCARD", "ImageTagMutabilityExclusionFilterValue": "latest"},
        {"ImageTagMutabilityExclusionFilterType": "WILDCARD", "ImageTagMutabilityExclusionFilterValue": "stable*"},
    ]
    assert hub["EncryptionConfiguration"]["EncryptionType"] == "KMS"
    assert by_prefix["ecr-public"]["EncryptionConfiguration"]["EncryptionType"] == "AES256"
    assert "CustomRoleArn" in hub and "CustomRoleArn" in by_prefix["quay"]  # one role, for the KMS template


def test_lifecycle_rules_come_first_and_any_last(template):
    rules = json.loads(templates_by_prefix(template)["docker-hub"]["LifecyclePolicy"])["rules"]
    assert [r["rulePriority"] for r in rules] == [1, 2, 3]
    assert rules[0]["selection"] == {
        "tagStatus": "tagged",
        "tagPrefixList": ["v"],
        "countType": "imageCountMoreThan",
        "countNumber": 5,
    }
    assert rules[1]["description"] == "release candidates"
    assert rules[2]["selection"]["tagStatus"] == "untagged"


def test_the_policy_file_is_used_as_it_is(template):
    assert json.loads(templates_by_prefix(template)["quay"]["LifecyclePolicy"]) == QUAY_POLICY


def test_read_access_in_every_repository_policy_without_a_registry_policy(template):
    assert not [r for r in template["Resources"].values() if r["Type"] == "AWS::ECR::RegistryPolicy"]
    for props in templates_by_prefix(template).values():
        document = json.loads(props["RepositoryPolicy"]) if isinstance(props["RepositoryPolicy"], str) else None
        text = json.dumps(props["RepositoryPolicy"])
        assert "omics.amazonaws.com" in text and "role/pipeline" in text
        assert "ecr:BatchImportUpstreamImage" not in text
        assert document is None or all("Resource" not in s for s in document["Statement"])


def test_lint_clean(template):
    assert findings(template, "eu-west-1") == []
    assert iam_problems(template, region="eu-west-1", account="123456789012") == []


@pytest.mark.parametrize(
    "document, words",
    [
        ({"rules": []}, "at least one rule"),
        (
            {
                "rules": [
                    {
                        "rulePriority": 1,
                        "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1},
                        "action": {"type": "expire"},
                    },
                    {
                        "rulePriority": 2,
                        "selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 1},
                        "action": {"type": "expire"},
                    },
                ]
            },
            "highest",
        ),
        (
            {
                "rules": [
                    {
                        "rulePriority": 1,
                        "selection": {"tagStatus": "tagged", "countType": "imageCountMoreThan", "countNumber": 1},
                        "action": {"type": "expire"},
                    }
                ]
            },
            "exactly one of tagPrefixList and tagPatternList",
        ),
        (
            {
                "rules": [
                    {
                        "rulePriority": 1,
                        "selection": {
                            "tagStatus": "tagged",
                            "tagPatternList": ["a*b*c*d*e*"],
                            "countType": "imageCountMoreThan",
                            "countNumber": 1,
                        },
                        "action": {"type": "expire"},
                    }
                ]
            },
            "5 wildcards",
        ),
        (
            {
                "rules": [
                    {
                        "rulePriority": 1,
                        "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countNumber": 1},
                        "action": {"type": "expire"},
                    }
                ]
            },
            "countUnit days",
        ),
        (
            {
                "rules": [
                    {
                        "rulePriority": 1,
                        "description": "x" * 100,
                        "selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 1},
                        "action": {"type": "expire"},
                    },
                    {
                        "rulePriority": 1,
                        "selection": {
                            "tagStatus": "tagged",
                            "tagPrefixList": ["v"],
                            "countType": "imageCountMoreThan",
                            "countNumber": 1,
                        },
                        "action": {"type": "expire"},
                    },
                ]
            },
            "also rules[0]",
        ),
    ],
)
def test_lifecycle_policy_checks(document, words):
    with pytest.raises(ValidationError) as err:
        check_lifecycle_policy(document, "lifecycle_policy_file")
    assert words in err.value.problem, err.value.problem


def _rule(priority: int, status: str, count: dict, **extra) -> dict:
    return {
        "rulePriority": priority,
        "description": f"rule {priority} of the example policy",
        "selection": {"tagStatus": status, **extra, **count},
        "action": {"type": "expire"},
    }


KEEP_30 = {"countType": "imageCountMoreThan", "countNumber": 30}
DAYS_14 = {"countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14}


@pytest.mark.parametrize(
    "rules",
    [
        # lgallard/terraform-aws-ecr's default (untagged images after N days, then keep the last N of any)
        [_rule(1, "untagged", DAYS_14), _rule(2, "any", KEEP_30)],
        # terraform-aws-modules/ecr's README example (keep the last 30 tagged v*) with an untagged cleanup
        [_rule(1, "tagged", KEEP_30, tagPrefixList=["v"]), _rule(2, "untagged", DAYS_14)],
        # priorities need not be sequential; the any rule has the highest
        [
            _rule(5, "tagged", KEEP_30, tagPatternList=["release-*"]),
            _rule(9, "untagged", DAYS_14),
            _rule(20, "any", KEEP_30),
        ],
    ],
)
def test_the_terraform_modules_default_policies_are_accepted(rules):
    document = {"rules": rules}
    assert check_lifecycle_policy(document, "lifecycle_policy_file") is document


def test_a_second_any_rule_is_refused():
    document = {"rules": [_rule(1, "any", DAYS_14), _rule(2, "any", KEEP_30)]}
    with pytest.raises(ValidationError) as err:
        check_lifecycle_policy(document, "lifecycle_policy_file")
    assert "already has tagStatus any" in err.value.problem and err.value.path == "lifecycle_policy_file.rules[1]"


def test_two_untagged_rules_are_still_refused():
    document = {"rules": [_rule(1, "untagged", DAYS_14), _rule(2, "untagged", KEEP_30)]}
    with pytest.raises(ValidationError) as err:
        check_lifecycle_policy(document, "lifecycle_policy_file")
    assert "already selects untagged images" in err.value.problem


def test_lifecycle_rules_untagged_then_any_is_accepted():
    settings = RepositorySettings(
        lifecycle_rules=(
            LifecycleRule(tag_status="untagged", expire_after_days=14),
            LifecycleRule(tag_status="any", keep_last=30),
        )
    )
    rules = json.loads(settings.lifecycle_policy_text())["rules"]
    assert [r["selection"]["tagStatus"] for r in rules] == ["untagged", "any"]


def test_archive_rules_have_one_any_rule_and_it_is_last():
    settings = RepositorySettings(archive_unpulled_after_days=30, delete_archived_after_days=90)
    rules = json.loads(settings.lifecycle_policy_text())["rules"]
    statuses = [r["selection"]["tagStatus"] for r in rules]
    assert statuses == ["tagged", "untagged", "any"]
    assert rules[-1]["selection"]["storageClass"] == "archive"
    assert max(r["rulePriority"] for r in rules) == rules[-1]["rulePriority"]
    with pytest.raises(ValidationError) as err:  # a rule of yours for any, with the archive's: two any rules
        RepositorySettings(
            archive_unpulled_after_days=30,
            delete_archived_after_days=90,
            lifecycle_rules=(LifecycleRule(tag_status="any", keep_last=30),),
        )
    assert "already has tagStatus any" in err.value.problem


@pytest.mark.parametrize(
    "kwargs, path",
    [
        ({}, "tag_status"),
        ({"tag_prefixes": ("v",), "tag_patterns": ("x*",), "keep_last": 1}, "tag_patterns"),
        ({"tag_status": "untagged", "tag_prefixes": ("v",), "keep_last": 1}, "tag_status"),
        ({"tag_prefixes": ("v",)}, "keep_last"),
        ({"tag_prefixes": ("v",), "keep_last": 1, "expire_after_days": 2}, "keep_last"),
        ({"tag_patterns": ("*a*b*c*d*",), "keep_last": 1}, "tag_patterns[0]"),
        ({"tag_status": "any", "keep_last": 0}, "keep_last"),
    ],
)
def test_bad_lifecycle_rules(kwargs, path):
    with pytest.raises(ValidationError) as err:
        LifecycleRule(**kwargs)
    assert err.value.path == path


@pytest.mark.parametrize(
    "kwargs, path",
    [
        ({"tag_mutability": "IMMUTABLE_WITH_EXCLUSION"}, "tag_mutability_exclusions"),
        ({"tag_mutability": "IMMUTABLE", "tag_mutability_exclusions": ("latest",)}, "tag_mutability_exclusions"),
        (
            {"tag_mutability": "MUTABLE_WITH_EXCLUSION", "tag_mutability_exclusions": tuple("abcdef")},
            "tag_mutability_exclusions",
        ),
        (
            {"tag_mutability": "MUTABLE_WITH_EXCLUSION", "tag_mutability_exclusions": ("a/b",)},
            "tag_mutability_exclusions[0]",
        ),
        ({"lifecycle_policy_file": "x.json", "keep_last_images": 3}, "lifecycle_policy_file"),
        (
            {"expire_untagged_after_days": 3, "lifecycle_rules": (LifecycleRule(tag_status="untagged", keep_last=2),)},
            "lifecycle_rules",
        ),
    ],
)
def test_bad_repository_settings(kwargs, path):
    with pytest.raises(ValidationError) as err:
        RepositorySettings(**kwargs)
    assert err.value.path == path


def test_read_access_needs_somebody_and_real_services():
    with pytest.raises(ValidationError):
        ReadAccess()
    with pytest.raises(ValidationError) as err:
        ReadAccess(services=("omics",))
    assert err.value.path == "services[0]"
