"""Organization miss forwarding, the hub's side: spoke failure events fill the hub through the real registry pair.

The "hub ECR registry" is a docker-registry proxy (demanding moto's token) of an upstream docker-registry, with
a recording proxy in front of the upstream so every manifest request that reaches it is counted. moto stands in
for the ECR API, DynamoDB (the fill and notification windows) and SNS (delivering to an SQS queue we read)."""

from __future__ import annotations

import concurrent.futures
import copy
import json
import threading

import boto3
import pytest
from botocore.exceptions import ClientError

from ecr_ptc_runtime import fill, handler

from . import emf
from .conftest import ACCOUNT_TOKEN_PASSWORD, Context
from .registry.seed import seed_image
from .test_notify import failed

pytestmark = pytest.mark.registry

HUB_ACCOUNT = "111111111111"
SPOKES = [f"{n:012d}" for n in range(200000000001, 200000000201)]  # 200 member accounts


class AtomicWrites:
    """moto's DynamoDB, with its conditional writes made atomic as DynamoDB's are (moto checks, then writes,
    and two threads can both pass the check)."""

    def __init__(self, client) -> None:
        self._client, self._lock = client, threading.Lock()

    def __getattr__(self, name: str):
        return getattr(self._client, name)

    def put_item(self, **kwargs):
        with self._lock:
            return self._client.put_item(**kwargs)


@pytest.fixture
def hub(aws, start_registry, upstream, htpasswd_file, fault_proxy, monkeypatch):
    """The hub: its ECR registry (a proxy of the counted upstream), the ECR API pointing at it, the window tables,
    the topic, and the fill function's environment. Returns (counted upstream, inbox of messages)."""
    counted = fault_proxy(upstream.url)
    registry = start_registry("hub", proxy_of=counted.url, htpasswd=htpasswd_file("AWS", ACCOUNT_TOKEN_PASSWORD))
    front = fault_proxy(registry.url)
    ecr = boto3.client("ecr", region_name="us-east-1")

    def redirect(parsed, **_):
        for item in parsed.get("authorizationData", []):
            item["proxyEndpoint"] = front.url

    ecr.meta.events.register("after-call.ecr.GetAuthorizationToken", redirect)
    sns, sqs, dynamodb = (boto3.client(s, region_name="us-east-1") for s in ("sns", "sqs", "dynamodb"))
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    for table in ("fills", "window"):
        dynamodb.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": "key", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "key", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    environment = {
        "CACHE_NAME": "EcrPtc-hub",
        "PREFIXES": "cache,other",
        "HUB_ACCOUNT": HUB_ACCOUNT,
        "FILL_TABLE": "fills",
        "TOPIC_ARN": topic,
        "WINDOW_TABLE": "window",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    atomic = AtomicWrites(dynamodb)
    monkeypatch.setattr(handler, "ecr_client", lambda: ecr)
    monkeypatch.setattr(handler, "dynamodb_client", lambda: atomic)
    monkeypatch.setattr(handler, "sns_client", lambda: sns)

    def inbox() -> list[str]:
        out: list[str] = []
        while True:
            batch = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return out
            out += [m["Body"] for m in batch]

    return counted, registry, inbox


def miss(repository: str, tag: str, account: str) -> dict:
    event = failed("UpstreamAccessDenied", prefix="cache", **{"repository-name": repository, "image-tag": tag})
    event["account"] = account
    return event


def manifest_pulls(proxy, repository: str, tag: str) -> list[str]:
    """The requests for the tag's manifest that reached ``proxy``, by method (docker-registry's proxy asks HEAD
    before it GETs: a pull is one GET)."""
    return sorted(m for m, p, _ in proxy.requests if p == f"/v2/{repository}/manifests/{tag}")


def pulls(proxy) -> list[str]:
    """Requests for images (the registry's own /v2/ ping left out)."""
    return [p for _, p, _ in proxy.requests if p.startswith("/v2/cache/")]


def burst(events: list[dict]) -> list[dict]:
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:  # the function's reserved concurrency
        return list(pool.map(lambda e: handler.miss_fill_handler(e, Context(120)), events))


def test_a_burst_of_200_spoke_misses_for_20_images_pulls_each_image_once(hub, upstream, capsys):
    counted, registry, inbox = hub
    images = [
        seed_image(
            upstream.url, f"cache/app{i}", "v1", platforms=("linux/amd64",), layers=1, shared_layer=False, seed=i
        )
        for i in range(20)
    ]
    events = [miss(images[n % 20].repository, "v1", SPOKES[n]) for n in range(200)]

    results = burst(events)

    assert sorted(r["state"] for r in results).count("filled") == 20
    assert {r["state"] for r in results} == {"filled", "deduplicated"}
    for image in images:  # each tag asked of the upstream by one fill only
        assert manifest_pulls(counted, image.repository, "v1").count("GET") == 1, image.repository
    wanted = {b for image in images for p in image.platforms.values() for b in p.blobs}
    assert registry.wait_for_blobs(wanted) == set()  # all 20 images, every blob, held by the hub
    assert inbox() == []
    docs = emf.documents(capsys.readouterr().out)
    assert docs and all(emf.problems(json.dumps(d)) == [] for d in docs)  # CloudWatch would extract each
    assert emf.value_sum(docs, "MissFills", Cache="EcrPtc-hub", Prefix="cache") == 20
    assert sum(1 for d in docs if "MissFillSeconds" in d) == 20  # one duration per fill
    assert emf.value_sum(docs, "MissFillFailures", Cache="EcrPtc-hub", Prefix="cache") == 0


def test_a_tag_missing_upstream_is_asked_once_and_told_once_not_200_times(hub, upstream, capsys):
    counted, _, inbox = hub
    seed_image(upstream.url, "cache/app", "v1", platforms=("linux/amd64",), layers=1, shared_layer=False)

    results = burst([miss("cache/app", "no-such-tag", account) for account in SPOKES])

    assert [r["state"] for r in results].count("failed") == 1
    assert [r["state"] for r in results].count("deduplicated") == 199
    assert manifest_pulls(counted, "cache/app", "no-such-tag")  # asked by the one fill
    messages = inbox()
    assert len(messages) == 1
    assert "cache/app:no-such-tag" in messages[0] and "ImageNotFound" in messages[0]
    docs = emf.documents(capsys.readouterr().out)
    assert emf.value_sum(docs, "MissFillFailures", Cache="EcrPtc-hub", Prefix="cache") == 1


class Tripwire:
    """An ECR API and DynamoDB table that fail the test when anything is asked of them."""

    def __getattr__(self, name: str):
        raise AssertionError(f"{name} was called: a dropped event must not pull or take a window")


def direct(event: dict):
    trip = Tripwire()
    return fill.fill(
        event,
        cache="c",
        prefixes=["cache", "other"],
        hub_account=HUB_ACCOUNT,
        ecr_api=trip,
        dynamodb=trip,
        table="t",
        deadline=0,
    )


@pytest.mark.parametrize(
    "change, reason",
    [
        pytest.param(lambda e: e.update(source="custom.ecr"), "not-ecr", id="a custom event (PutEvents refuses aws.*)"),
        pytest.param(lambda e: e.update({"detail-type": "ECR Image Action"}), "not-ecr", id="another detail-type"),
        pytest.param(lambda e: e["detail"].update({"sync-status": "SUCCESS"}), "success", id="a success"),
        pytest.param(lambda e: e.update(account=HUB_ACCOUNT), "not-a-spoke", id="the hub's own event"),
        pytest.param(lambda e: e.update(account="not-an-account"), "not-a-spoke", id="no account id"),
        pytest.param(
            lambda e: e["detail"].update({"repository-name": "elsewhere/app"}), "uncovered", id="no hub rule covers it"
        ),
        pytest.param(lambda e: e["detail"].update({"image-tag": "bad tag"}), "bad-name", id="not a tag"),
    ],
)
def test_what_is_not_a_spoke_miss_is_dropped_without_a_pull(change, reason, capsys):
    event = miss("cache/app", "v1", SPOKES[0])
    change(event)
    result = direct(event)
    assert (result.state, result.reason) == ("dropped", reason)
    assert '"event": "miss-dropped"' in capsys.readouterr().out


def test_a_digest_only_miss_is_reported_not_filled(capsys):
    event = miss("cache/app", "v1", SPOKES[0])
    del event["detail"]["image-tag"]
    result = direct(event)
    assert result.state == "reported" and result.image.startswith("cache/app@sha256:")
    assert '"event": "miss-digest-only"' in capsys.readouterr().out


def test_the_longest_hub_prefix_names_the_miss():
    event = miss("team/quay/app", "v1", SPOKES[0])
    found, verdict = fill.triage(event, ["team", "team/quay", "ROOT"], HUB_ACCOUNT)
    assert verdict == "fill" and found is not None and found.prefix == "team/quay"


def test_the_window_lets_the_same_image_be_filled_again_after_fifteen_minutes():
    class Table:
        def __init__(self) -> None:
            self.items: dict[str, int] = {}

        def put_item(self, Item, ExpressionAttributeValues, **_):
            key, now = Item["key"]["S"], int(ExpressionAttributeValues[":now"]["N"])
            if key in self.items and self.items[key] >= now:
                raise type("E", (Exception,), {"response": {"Error": {"Code": "ConditionalCheckFailedException"}}})()
            self.items[key] = int(Item["expires"]["N"])

    class NoToken:  # the fill gets as far as asking ECR for a registry token, and fails there
        def get_authorization_token(self):
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "down"}}, "GetAuthorizationToken")

    table, event = Table(), copy.deepcopy(miss("cache/app", "v1", SPOKES[0]))
    kwargs = dict(cache="c", prefixes=["cache"], hub_account=HUB_ACCOUNT, ecr_api=NoToken(), dynamodb=table, table="t")
    first = fill.fill(event, deadline=0, now=1000, **kwargs)
    assert first.state == "failed"
    assert fill.fill(event, deadline=0, now=1000 + fill.FILL_WINDOW_SECONDS - 1, **kwargs).state == "deduplicated"
    assert fill.fill(event, deadline=0, now=1000 + fill.FILL_WINDOW_SECONDS + 1, **kwargs).state == "failed"


def test_org_verifys_pull_is_one_manifest_get_through_the_registry(ecr_api, ecr_registry, seeded):
    from ecr_ptc_app.org_verify import pull_manifest
    from ecr_ptc_runtime.names import ImageRef

    ok, detail = pull_manifest(ecr_api, ImageRef(seeded.repository, seeded.tag))
    assert ok and detail == f"digest {seeded.index}"
    missing, why = pull_manifest(ecr_api, ImageRef(seeded.repository, "no-such-tag"))
    assert not missing and why.startswith("image-not-found")
    gets = [p for m, p, _ in ecr_registry.requests if m == "GET" and "/v2/cache/" in p]
    assert all("/manifests/" in p for p in gets)  # manifests only: no layer is read


def test_a_message_that_cannot_be_sent_frees_its_window(hub, upstream, monkeypatch, capsys):
    _, _, inbox = hub

    class Down:
        def publish(self, **_):
            raise RuntimeError("SNS is down")

    monkeypatch.setattr(handler, "sns_client", lambda: Down())
    first = handler.miss_fill_handler(miss("cache/app", "no-such-tag", SPOKES[0]), Context(30))
    assert (first["state"], first["notified"]) == ("failed", False)
    assert '"event": "miss-notify-failed"' in capsys.readouterr().out
    window = boto3.client("dynamodb", region_name="us-east-1").scan(TableName="window")["Items"]
    assert window == []  # the next failure under this prefix and code is told
