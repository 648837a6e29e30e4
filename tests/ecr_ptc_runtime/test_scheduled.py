"""The scheduled re-warm entry point: against the real registry pair (moto's token, a docker-registry cache of a
docker-registry upstream) and with botocore's Stubber for the ECR API."""

from __future__ import annotations

import base64
import datetime
import json

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from ecr_ptc_runtime import handler, refresh

from . import emf
from .conftest import Context, token_secrets
from .registry.seed import seed_image

pytestmark = pytest.mark.registry


class ListingEcr:
    """moto's ECR API, except that DescribeImages lists the digest the registry served for a tag, as ECR lists
    the digest of each tag it cached (moto computes digests its own way, so its listing would never match)."""

    def __init__(self, client) -> None:
        self._client = client
        self.listed: dict[tuple[str, str], tuple[str, str]] = {}
        self.described: list[str] = []

    def __getattr__(self, name: str):
        return getattr(self._client, name)

    def describe_images(self, repositoryName: str, imageIds: list) -> dict:
        tag = imageIds[0]["imageTag"]
        self.described.append(f"{repositoryName}:{tag}")
        if (repositoryName, tag) not in self.listed:
            raise ClientError({"Error": {"Code": "ImageNotFoundException", "Message": "no"}}, "DescribeImages")
        digest, status = self.listed[(repositoryName, tag)]
        return {"imageDetails": [{"imageDigest": digest, "imageStatus": status, "imageTags": [tag]}]}


def run_input(*images: str, prefixes=("cache",), platforms=()) -> dict:
    return {"cache": "EcrPtc-test", "images": list(images), "platforms": list(platforms), "prefixes": list(prefixes)}


def lines(text: str, event: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if f'"event": "{event}"' in line]


def test_a_tag_moved_upstream_between_two_runs_is_reported_as_changed(
    ecr_api, ecr_registry, upstream, seeded, monkeypatch, capsys
):
    ecr = ListingEcr(ecr_api)
    monkeypatch.setattr(handler, "ecr_client", lambda: ecr)
    event = run_input(seeded.ref)
    first = handler.scheduled_handler(event, Context(300))
    assert (first["warmed"], first["failed"], first["moved"]) == (1, 0, [])
    assert lines(capsys.readouterr().out, "rewarm")[0]["change"] == "new"
    ecr.listed[(seeded.repository, seeded.tag)] = (seeded.index, "ACTIVE")  # what ECR lists after that pull
    rebuilt = seed_image(upstream.url, seeded.repository, seeded.tag, seed=8)  # a new image under the same tag
    assert rebuilt.index != seeded.index

    second = handler.scheduled_handler(event, Context(300))

    assert second["moved"] == [{"image": seeded.ref, "before": seeded.index, "after": rebuilt.index}]
    out = capsys.readouterr().out
    (rewarm,) = lines(out, "rewarm")
    assert (rewarm["change"], rewarm["before"], rewarm["after"]) == ("moved", seeded.index, rebuilt.index)
    docs = emf.documents(out)
    assert docs and all(emf.problems(json.dumps(d)) == [] for d in docs)
    assert emf.value_sum(docs, "DigestsChanged", Cache="EcrPtc-test", Prefix="cache") == 1
    assert emf.value_sum(docs, "ImagesWarmed", Cache="EcrPtc-test", Prefix="cache") == 1
    # every blob of the new image was touched through the cache, so ECR imports what the move brought
    touched = {p.rsplit("/", 1)[1] for m, p, s in ecr_registry.requests if m == "GET" and "/blobs/" in p}
    assert {b for p in rebuilt.platforms.values() for b in p.blobs} <= touched
    for secret in token_secrets():
        assert secret not in out


def test_an_archived_image_is_left_alone_and_counted(ecr_api, ecr_registry, upstream, seeded, monkeypatch, capsys):
    other = seed_image(upstream.url, "cache/other", "v2", layers=1, seed=9)
    ecr = ListingEcr(ecr_api)
    ecr.listed[(other.repository, other.tag)] = (other.index, "ARCHIVED")
    monkeypatch.setattr(handler, "ecr_client", lambda: ecr)
    summary = handler.scheduled_handler(run_input(seeded.ref, other.ref), Context(300))
    assert (summary["warmed"], summary["archived"], summary["failed"]) == (1, 1, 0)
    assert not any(other.repository in path for _, path, _ in ecr_registry.requests)  # not one request
    docs = emf.documents(capsys.readouterr().out)
    assert emf.value_sum(docs, "ImagesArchived", Cache="EcrPtc-test") == 1
    assert emf.value_sum(docs, "ImagesFailed", Cache="EcrPtc-test") == 0  # an archived image is no failure


# --- botocore's Stubber for the ECR API, the registry a docker-registry cache without auth -----------------------
@pytest.fixture
def stubbed(start_registry, upstream, monkeypatch):
    cache = start_registry("plain-cache", proxy_of=upstream.url)
    client = boto3.client("ecr", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    monkeypatch.setattr(handler, "ecr_client", lambda: client)
    monkeypatch.setattr(handler, "SCHEDULED_CONCURRENCY", 1)  # the Stubber answers in order
    yield stubber, cache
    stubber.deactivate()


def token(stubber: Stubber, endpoint: str) -> None:
    stubber.add_response(
        "get_authorization_token",
        {
            "authorizationData": [
                {
                    "authorizationToken": base64.b64encode(b"AWS:stubbed-password-1").decode(),
                    "proxyEndpoint": endpoint,
                    "expiresAt": datetime.datetime(2030, 1, 1),
                }
            ]
        },
    )


def described(stubber: Stubber, repository: str, tag: str, digest: str, status: str = "ACTIVE") -> None:
    stubber.add_response(
        "describe_images",
        {"imageDetails": [{"imageDigest": digest, "imageStatus": status, "imageTags": [tag]}]},
        {"repositoryName": repository, "imageIds": [{"imageTag": tag}]},
    )


def test_stubbed_ecr_moved_same_archived_and_missing(stubbed, upstream, capsys):
    stubber, cache = stubbed
    moved = seed_image(upstream.url, "cache/app", "v1", layers=1, seed=21)
    same = seed_image(upstream.url, "cache/tools", "v2", layers=1, seed=22)
    old = "sha256:" + "0" * 64
    token(stubber, cache.url)
    described(stubber, "cache/app", "v1", old)
    described(stubber, "cache/tools", "v2", same.index)
    described(stubber, "cache/gone", "v3", old, status="ARCHIVED")
    stubber.add_client_error("describe_images", service_error_code="ImageNotFoundException")
    # the tag that is not upstream: explained in ECR terms (repository missing, the rule covers the prefix)
    stubber.add_client_error("describe_repositories", service_error_code="RepositoryNotFoundException")
    stubber.add_response(
        "describe_pull_through_cache_rules",
        {"pullThroughCacheRules": [{"ecrRepositoryPrefix": "cache", "upstreamRegistryUrl": "example.com"}]},
    )
    with stubber:
        summary = handler.scheduled(run_input(moved.ref, same.ref, "cache/gone:v3", "cache/missing:v9"), Context(300))
        stubber.assert_no_pending_responses()
    assert (summary["warmed"], summary["failed"], summary["archived"]) == (2, 1, 1)
    assert summary["moved"] == [{"image": moved.ref, "before": old, "after": moved.index}]
    out = capsys.readouterr().out
    states = {line["image"]: (line["state"], line["change"]) for line in lines(out, "rewarm")}
    assert states == {
        moved.ref: ("warmed", "moved"),
        same.ref: ("warmed", "same"),
        "cache/gone:v3": ("archived", "unknown"),
        "cache/missing:v9": ("failed", "unknown"),
    }
    failed = next(line for line in lines(out, "rewarm") if line["state"] == "failed")
    assert failed["reason"] == "image-not-found" and "does not exist upstream" in failed["error"]
    docs = emf.documents(out)
    assert all(emf.problems(json.dumps(d)) == [] for d in docs)
    for metric, total in (("ImagesWarmed", 2), ("ImagesFailed", 1), ("ImagesArchived", 1), ("DigestsChanged", 1)):
        assert emf.value_sum(docs, metric, Cache="EcrPtc-test", Prefix="cache") == total, metric
    (run,) = [d for d in docs if "RunSeconds" in d]
    assert run["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["Cache"]] and run["images"] == 4


def test_no_token_counts_every_image_as_failed_without_raising(stubbed, capsys):
    stubber, _ = stubbed
    stubber.add_client_error("get_authorization_token", service_error_code="AccessDeniedException")
    with stubber:
        summary = handler.scheduled(run_input("cache/a:1", "quay/b:2", prefixes=("cache", "quay")), Context(60))
    assert (summary["failed"], summary["warmed"]) == (2, 0)
    docs = emf.documents(capsys.readouterr().out)
    assert emf.value_sum(docs, "ImagesFailed", Cache="EcrPtc-test") == 2
    assert emf.value_sum(docs, "ImagesFailed", Cache="EcrPtc-test", Prefix="quay") == 1


@pytest.mark.parametrize(
    "event,words",
    [
        ("not an object", "not a JSON object"),
        ({"images": ["cache/a:1"]}, "names no cache"),
        ({"cache": "c", "images": []}, "no images"),
        ({"cache": "c", "images": ["cache/a@sha256:" + "0" * 64]}, "by digest"),
    ],
)
def test_a_malformed_input_raises(event, words):
    with pytest.raises(ValueError, match=words):
        handler.scheduled(event, Context(5))


def test_a_run_stops_a_minute_before_lambda_would_end_it():
    import time

    assert handler._run_budget(Context(900)) - time.monotonic() == pytest.approx(840, abs=1)
    assert handler._run_budget(Context(100)) - time.monotonic() == pytest.approx(80, abs=1)


def test_a_scheduled_run_with_more_than_a_hundred_images_of_one_prefix_keeps_every_duration(capsys):
    run = handler.ScheduledRun(run_input(*[f"cache/app{i}:1" for i in range(130)]))
    results = [
        refresh.Refreshed(refresh.warm.Outcome(str(r), result=None, seconds=1.0), refresh.Held()) for r in run.refs
    ]
    for r in results:  # warmed, with a result
        r.outcome.result = refresh.warm.WarmResult(r.image, "sha256:" + "1" * 64, [], 0, 1.0, 1)
    handler._emit_run_metrics(run, results, 12.0)
    docs = emf.documents(capsys.readouterr().out)
    assert all(emf.problems(json.dumps(d)) == [] for d in docs)
    assert sum(len(d["WarmSeconds"]) for d in docs if "WarmSeconds" in d) == 130
    assert emf.value_sum(docs, "ImagesWarmed", Cache="EcrPtc-test") == 130


def test_a_deploy_that_warms_an_archived_image_says_how_to_restore_it(ecr_api, ecr_registry, monkeypatch):
    from .test_handler import event

    ecr = ListingEcr(ecr_api)
    ecr.listed[("cache/gone", "v1")] = ("sha256:" + "b" * 64, "ARCHIVED")
    monkeypatch.setattr(handler, "ecr_client", lambda: ecr)
    answer = handler.on_event(event("Create", "cache/gone:v1", OnFailure="warn"), Context())
    warning = answer["Data"]["Warning"]
    assert "archive storage class" in warning and "--target-storage-class STANDARD" in warning
    assert f"imageDigest=sha256:{'b' * 64}" in warning
