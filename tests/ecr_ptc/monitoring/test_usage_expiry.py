"""Usage-based expiry as ECR can do it: archive what nobody pulled (sinceImagePulled + transition), then delete
from the archive after at least 90 days; never a rule ECR would refuse or never apply."""

from __future__ import annotations

import json

import pytest

from ecr_ptc.cache.lifecycle import LifecycleRule, check_lifecycle_policy
from ecr_ptc.cache.settings import MIN_ARCHIVE_DAYS, RepositorySettings
from ecr_ptc.errors import ValidationError


def rules(settings: RepositorySettings) -> list[dict]:
    text = settings.lifecycle_policy_text()
    assert text is not None
    return json.loads(text)["rules"]


def test_archive_then_delete_rules_as_the_ecr_user_guide_writes_them():
    tagged, untagged, delete = rules(RepositorySettings(archive_unpulled_after_days=90, delete_archived_after_days=180))
    assert tagged == {
        "rulePriority": 1,
        "description": "Archive tagged images not pulled for 90 days",
        "selection": {
            "tagStatus": "tagged",
            "tagPatternList": ["*"],
            "countType": "sinceImagePulled",
            "countUnit": "days",
            "countNumber": 90,
        },
        "action": {"type": "transition", "targetStorageClass": "archive"},
    }
    assert untagged["selection"] == {
        "tagStatus": "untagged",
        "countType": "sinceImagePulled",
        "countUnit": "days",
        "countNumber": 90,
    }
    assert untagged["action"] == tagged["action"] and untagged["rulePriority"] == 2
    # the one tagStatus any rule, last ("must have the highest value for rulePriority")
    assert delete["selection"] == {
        "tagStatus": "any",
        "storageClass": "archive",
        "countType": "sinceImageTransitioned",
        "countUnit": "days",
        "countNumber": 180,
    }
    assert delete["action"] == {"type": "expire"} and delete["rulePriority"] == 3


def test_no_rule_ever_expires_by_last_pull():
    for settings in (
        RepositorySettings(archive_unpulled_after_days=1),
        RepositorySettings(archive_unpulled_after_days=3650, delete_archived_after_days=MIN_ARCHIVE_DAYS),
    ):
        for rule in rules(settings):
            if rule["selection"]["countType"] == "sinceImagePulled":
                assert rule["action"]["type"] == "transition"
        check_lifecycle_policy(json.loads(settings.lifecycle_policy_text() or "{}"), "p")  # ECR's documented rules


def test_archiving_is_what_warming_must_not_count_as_a_pull():
    assert RepositorySettings(archive_unpulled_after_days=30).archives_by_pull
    assert not RepositorySettings(expire_untagged_after_days=7, keep_last_images=3).archives_by_pull


def test_a_policy_file_with_a_last_pull_rule_archives_by_pull_too(tmp_path):
    policy = {
        "rules": [
            {
                "rulePriority": 1,
                "description": "archive what nobody pulled for a month",
                "selection": {
                    "tagStatus": "any",
                    "countType": "sinceImagePulled",
                    "countUnit": "days",
                    "countNumber": 30,
                },
                "action": {"type": "transition", "targetStorageClass": "archive"},
            }
        ]
    }
    file = tmp_path / "policy.json"
    file.write_text(json.dumps(policy))
    assert RepositorySettings(lifecycle_policy_file=str(file)).archives_by_pull


def test_tag_specific_rules_come_first_and_the_archive_rules_last():
    settings = RepositorySettings(
        archive_unpulled_after_days=60, lifecycle_rules=(LifecycleRule(tag_patterns=("pr-*",), keep_last=5),)
    )
    composed = rules(settings)
    assert [r["selection"]["tagStatus"] for r in composed] == ["tagged", "tagged", "untagged"]
    assert [r["selection"].get("tagPatternList") for r in composed] == [["pr-*"], ["*"], None]
    assert [r["rulePriority"] for r in composed] == [1, 2, 3]


@pytest.mark.parametrize(
    "kwargs,path,words",
    [
        ({"expire_unpulled_after_days": 90}, "expire_unpulled_after_days", "cannot expire images by days since"),
        ({"archive_unpulled_after_days": 0}, "archive_unpulled_after_days", "out of range"),
        ({"archive_unpulled_after_days": 3651}, "archive_unpulled_after_days", "out of range"),
        ({"archive_unpulled_after_days": "30"}, "archive_unpulled_after_days", "whole number"),
        (
            {"archive_unpulled_after_days": 30, "delete_archived_after_days": 89},
            "delete_archived_after_days",
            "90 days",
        ),
        ({"delete_archived_after_days": 120}, "delete_archived_after_days", "nothing is archived"),
        (
            {"archive_unpulled_after_days": 30, "expire_untagged_after_days": 7},
            "archive_unpulled_after_days",
            "one tagStatus untagged rule per storage class",
        ),
        (
            {"archive_unpulled_after_days": 30, "keep_last_images": 10},
            "archive_unpulled_after_days",
            "nothing tagged would ever be archived",
        ),
    ],
)
def test_what_ecr_would_refuse_or_never_apply_is_refused(kwargs, path, words):
    with pytest.raises(ValidationError) as caught:
        RepositorySettings(**kwargs)
    assert caught.value.path == path and words in caught.value.problem and caught.value.fix


def test_the_refused_name_points_the_config_file_at_the_right_keys():
    with pytest.raises(ValidationError) as caught:
        RepositorySettings(expire_unpulled_after_days=45)
    assert "archiveUnpulledAfterDays: 45" in (caught.value.config_fix or "")
