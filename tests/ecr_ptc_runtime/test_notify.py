"""ECR pull-through failure events: counted (EMF), logged readably, one message per prefix and code an hour.

moto stands in for SNS (delivering to an SQS queue we read) and DynamoDB (the conditional write)."""

from __future__ import annotations

import copy
import json

import boto3
import pytest

from ecr_ptc_runtime import handler, notify

from . import emf

# The documented sample (ECR user guide, "Amazon ECR events and EventBridge": event for a pull through cache
# action), and the same event failing, with the failure fields the guide names.
SUCCESS = {
    "version": "0",
    "id": "85fc3613-e913-7fc4-a80c-a3753e4aa9ae",
    "detail-type": "ECR Pull Through Cache Action",
    "source": "aws.ecr",
    "account": "123456789012",
    "time": "2023-02-29T02:36:48Z",
    "region": "us-west-2",
    "resources": ["arn:aws:ecr:us-west-2:123456789012:repository/docker-hub/alpine"],
    "detail": {
        "rule-version": "1",
        "sync-status": "SUCCESS",
        "ecr-repository-prefix": "docker-hub",
        "repository-name": "docker-hub/alpine",
        "upstream-registry-url": "public.ecr.aws",
        "image-tag": "3.17.2",
        "image-digest": "sha256:4aa08ef415aecc80814cb42fa41b658480779d80c77ab15EXAMPLE",
    },
}


def failed(code: str = "UpstreamAccessDenied", prefix: str = "docker-hub", **detail) -> dict:
    event = copy.deepcopy(SUCCESS)
    event["detail"].update(
        {
            "sync-status": "FAILED",
            "ecr-repository-prefix": prefix,
            "repository-name": f"{prefix}/alpine",
            "failure-code": code,
            "failure-reason": "The upstream registry rejected the credentials",
            **detail,
        }
    )
    return event


def test_the_message_says_what_failed_and_what_to_do():
    failure = notify.PullThroughFailure.of(failed())
    message = failure.message("EcrPtc")
    for text in (
        "docker-hub/alpine:3.17.2",
        "prefix:      docker-hub",
        "upstream:    public.ecr.aws",
        "UpstreamAccessDenied (sync status FAILED)",
        "The upstream registry rejected the credentials",
        "account 123456789012, us-west-2, 2023-02-29T02:36:48Z",
        "validate-pull-through-cache-rule --ecr-repository-prefix docker-hub",
    ):
        assert text in message, text
    assert "{" not in message  # readable text, not JSON
    subject = failure.subject("EcrPtc")
    assert subject == "ECR pull-through failure in EcrPtc: docker-hub/ UpstreamAccessDenied"


def test_a_digest_pull_an_unknown_code_and_a_long_subject():
    event = failed("SomethingNew", prefix="team/" + "x" * 120)
    del event["detail"]["image-tag"]
    failure = notify.PullThroughFailure.of(event)
    assert failure.image.endswith("@sha256:4aa08ef415aecc80814cb42fa41b658480779d80c77ab15EXAMPLE")
    assert "upstream's status" in failure.message("c")  # the general advice
    subject = failure.subject("EcrPtc\u00e9")
    assert len(subject) <= 100 and subject.endswith("...") and subject.isascii()


@pytest.fixture
def wired(aws, monkeypatch):
    """A topic (delivering to a queue), the window table, and the handler's environment pointing at them."""
    sns, sqs, dynamodb = (boto3.client(s, region_name="us-east-1") for s in ("sns", "sqs", "dynamodb"))
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    dynamodb.create_table(
        TableName="window",
        KeySchema=[{"AttributeName": "key", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "key", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for name, value in {"CACHE_NAME": "EcrPtc", "TOPIC_ARN": topic, "WINDOW_TABLE": "window"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(handler, "sns_client", lambda: sns)
    monkeypatch.setattr(handler, "dynamodb_client", lambda: dynamodb)

    def inbox() -> list[str]:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        return [m["Body"] for m in messages]

    return inbox, dynamodb


def test_a_burst_sends_one_message_per_prefix_and_code_and_counts_every_event(wired, capsys):
    inbox, _ = wired
    answers = [handler.pull_through_event_handler(e, None) for e in [failed(), failed(), failed(), failed("X")]]
    assert [a["published"] for a in answers] == [True, False, False, True]
    messages = inbox()
    assert len(messages) == 2 and "UpstreamAccessDenied" in messages[0] and "failure:     X" in messages[1]
    out = capsys.readouterr().out
    docs = emf.documents(out)
    assert all(emf.problems(json.dumps(d)) == [] for d in docs)
    assert emf.value_sum(docs, "PullThroughFailures", Cache="EcrPtc", Prefix="docker-hub") == 4
    logged = [json.loads(line) for line in out.splitlines() if '"event": "pull-through-failed"' in line]
    assert len(logged) == 4 and logged[0]["repository"] == "docker-hub/alpine" and logged[0]["image"] == "3.17.2"


def test_the_window_reopens_after_an_hour_and_fails_open(wired):
    _, dynamodb = wired
    assert notify.first_in_window(dynamodb, "window", "p#c", now=1000)
    assert not notify.first_in_window(dynamodb, "window", "p#c", now=1000 + 3599)
    assert notify.first_in_window(dynamodb, "window", "p#c", now=1000 + 3601)

    class Broken:
        def put_item(self, **_):
            raise RuntimeError("no network")

    assert notify.first_in_window(Broken(), "window", "p#c")


def test_a_message_that_could_not_be_sent_frees_its_window_for_the_retry(wired, monkeypatch):
    inbox, _ = wired

    class Down:
        def publish(self, **_):
            raise RuntimeError("SNS unavailable")

    real = handler.sns_client
    monkeypatch.setattr(handler, "sns_client", lambda: Down())
    with pytest.raises(RuntimeError):  # Lambda retries the event
        handler.pull_through_event_handler(failed(), None)
    monkeypatch.setattr(handler, "sns_client", real)
    assert handler.pull_through_event_handler(failed(), None)["published"] is True
    assert len(inbox()) == 1


def test_without_a_topic_failures_are_counted_and_logged_only(monkeypatch, capsys):
    for name in ("TOPIC_ARN", "WINDOW_TABLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CACHE_NAME", "EcrPtc")
    assert handler.pull_through_event_handler(failed(), None) == {"published": False}
    assert emf.value_sum(emf.documents(capsys.readouterr().out), "PullThroughFailures", Cache="EcrPtc") == 1
