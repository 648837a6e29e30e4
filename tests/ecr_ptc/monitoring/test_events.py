"""The EventBridge pattern for failed pull-through actions, matched against events by moto's EventBridge: the
pattern is accepted by moto's PutRule, and moto's rule matcher (``EventPattern``, what its bus runs for every
rule) decides on the documented sample and failing variants of it."""

from __future__ import annotations

import copy
import json

import boto3
import pytest
from moto import mock_aws
from moto.events.models import EventPattern

from ecr_ptc.monitoring.events import DETAIL_TYPE, SOURCE, failure_pattern
from tests.ecr_ptc_runtime.test_notify import SUCCESS, failed


@pytest.fixture
def bus(monkeypatch):
    for key, value in {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-west-2",
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        events = boto3.client("events")

        def matched(pattern: dict, event: dict) -> bool:
            """Does a rule with ``pattern`` (put on moto's default bus) match ``event``?"""
            events.put_rule(Name="failures", EventPattern=json.dumps(pattern), State="ENABLED")
            stored = events.describe_rule(Name="failures")["EventPattern"]
            return EventPattern.load(stored).matches_event(copy.deepcopy(event))

        yield matched


PATTERN = failure_pattern(["docker-hub", "quay", "team/ghcr"])


def test_the_pattern_names_the_documented_source_and_detail_type():
    assert PATTERN["source"] == [SOURCE] == ["aws.ecr"]
    assert PATTERN["detail-type"] == [DETAIL_TYPE] == ["ECR Pull Through Cache Action"]


def test_the_documented_sample_a_success_does_not_match(bus):
    assert not bus(PATTERN, SUCCESS)


@pytest.mark.parametrize("status", ["FAILED", "FAILURE", "ERROR"])
def test_a_failed_action_under_the_caches_prefixes_matches_whatever_its_status_word(bus, status):
    event = failed()
    event["detail"]["sync-status"] = status
    assert bus(PATTERN, event)
    assert bus(PATTERN, failed("UpstreamTooManyRequests", prefix="team/ghcr"))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda e: e["detail"].update({"ecr-repository-prefix": "other"}), id="another cache's prefix"),
        pytest.param(lambda e: e["detail"].update({"ecr-repository-prefix": "team"}), id="a shorter prefix"),
        pytest.param(lambda e: e.update({"detail-type": "ECR Image Action"}), id="an image action"),
        pytest.param(lambda e: e.update({"source": "custom.ecr"}), id="another source"),
        pytest.param(lambda e: e["detail"].pop("sync-status"), id="no status"),
    ],
)
def test_events_that_are_not_this_caches_failures_do_not_match(bus, change):
    event = failed()
    change(event)
    assert not bus(PATTERN, event)


def test_with_a_root_rule_every_prefix_matches_and_success_still_does_not(bus):
    root = failure_pattern(["ROOT", "quay"])
    assert "ecr-repository-prefix" not in root["detail"]
    assert bus(root, failed(prefix="anything"))
    assert not bus(root, copy.deepcopy(SUCCESS))
