"""MonitoringSettings: who is told, checked without the CDK."""

from __future__ import annotations

import pytest

from ecr_ptc.errors import ValidationError
from ecr_ptc.monitoring.settings import MonitoringSettings

TOPIC = "arn:aws:sns:eu-west-1:123456789012:platform-alerts"


def test_addresses_and_a_topic_are_kept():
    settings = MonitoringSettings(email=[" team@example.com", "oncall+ecr@ops.example.co.uk"], topic_arn=TOPIC)
    assert settings.email == ("team@example.com", "oncall+ecr@ops.example.co.uk")
    assert settings.topic_arn == TOPIC and settings.dashboard is True


@pytest.mark.parametrize(
    "kwargs,path,words",
    [
        ({}, "", "notifies nobody"),
        ({"email": []}, "", "notifies nobody"),
        ({"email": "team@example.com"}, "email", "expected a list"),
        ({"email": ["team"]}, "email[0]", "not an email address"),
        ({"email": ["team@localhost"]}, "email[0]", "not an email address"),
        ({"email": ["a b@example.com"]}, "email[0]", "not an email address"),
        ({"email": [5]}, "email[0]", "not an email address"),
        ({"email": ["a@example.com", "A@Example.com"]}, "email[1]", "already email[0]"),
        ({"email": [f"p{i}@example.com" for i in range(11)]}, "email", "at most 10"),
        ({"topic_arn": "platform-alerts"}, "topic_arn", "not an SNS topic ARN"),
        ({"topic_arn": "arn:aws:sqs:eu-west-1:123456789012:q"}, "topic_arn", "not an SNS topic ARN"),
        ({"topic_arn": "arn:aws:sns:eu-west-1:1234:t"}, "topic_arn", "not an SNS topic ARN"),
        ({"topic_arn": TOPIC + ".fifo"}, "topic_arn", "FIFO"),
        ({"topic_arn": TOPIC, "dashboard": "yes"}, "dashboard", "true or false"),
    ],
)
def test_mistakes_are_refused_with_a_fix(kwargs, path, words):
    with pytest.raises(ValidationError) as caught:
        MonitoringSettings(**kwargs)
    assert caught.value.path == path and words in caught.value.problem and caught.value.fix


def test_the_topic_must_be_in_the_caches_region():
    settings = MonitoringSettings(topic_arn=TOPIC)
    assert settings.topic_location_problem("eu-west-1") is None
    assert settings.topic_location_problem(None) is None  # environment-agnostic: known at deploy time only
    assert "the topic is in eu-west-1, the cache in us-east-1" in settings.topic_location_problem("us-east-1")
    assert MonitoringSettings(email=["a@example.com"]).topic_location_problem("us-east-1") is None


def test_an_existing_topic_object_or_arn():
    class Topic:
        topic_arn = TOPIC

    assert MonitoringSettings.for_topic(Topic()).topic_arn == TOPIC
    assert MonitoringSettings.for_topic(TOPIC, dashboard=False).dashboard is False
