"""The deploy-time warmer and the scheduled re-warm refuse an image the rules' allow or deny lists keep out,
before any call (the lists arrive in the custom resource's ``Lists`` and the schedule's ``lists``)."""

from __future__ import annotations

import pytest

from ecr_ptc_runtime import allow, errors, handler

from .conftest import Context

LISTS = [{"prefix": "docker-hub", "allow": ["library/*"], "deny": ["library/busybox"]}]


def no_call():
    raise AssertionError("an AWS client was made for an image the lists refuse")


def create(image: str, on_failure: str) -> dict:
    props = {"Image": image, "Platforms": [], "TimeoutSeconds": "60", "OnFailure": on_failure, "Lists": LISTS}
    return {"RequestType": "Create", "ResourceProperties": props, "StackId": "s", "RequestId": "r"}


def test_the_deploy_time_warmer_refuses_before_any_call(monkeypatch):
    monkeypatch.setattr(handler, "ecr_client", no_call)
    with pytest.raises(errors.NotAllowed, match=r"rules\[prefix=docker-hub\]\.deny"):
        handler.on_event(create("docker-hub/library/busybox:1", "fail"), Context())
    answer = handler.on_event(create("docker-hub/bitnami/redis:7", "warn"), Context())
    assert "is not in rules[prefix=docker-hub].allow" in answer["Data"]["Warning"]
    assert answer["Data"]["Digest"] == ""


def test_the_scheduled_rewarm_skips_refused_images_and_warms_the_others(monkeypatch):
    warmed: list = []

    def rewarm(run, refs, deadline):
        warmed.extend(str(r) for r in refs)
        return []

    monkeypatch.setattr(handler, "ecr_client", no_call)
    monkeypatch.setattr(handler, "_rewarm", rewarm)
    images = ["docker-hub/library/busybox:1", "docker-hub/library/nginx:1", "quay/x/y:1", "docker-hub/a/b:2"]
    summary = handler.scheduled(
        {"cache": "c", "images": images, "prefixes": ["docker-hub", "quay"], "lists": LISTS}, Context()
    )
    assert warmed == ["docker-hub/library/nginx:1", "quay/x/y:1"]
    assert summary["failed"] == 2


def test_lists_round_trip_and_malformed_input_is_refused():
    class Rule:
        prefix, upstream_prefix, allow, deny = "hub", None, ("a/*",), ()

    assert [r.allow for r in allow.lists_of(allow.lists_json([Rule()]))] == [("a/*",)]
    for bad in ("x", [{"allow": []}], [{"prefix": "p", "allow": [1]}]):
        with pytest.raises(ValueError):
            allow.lists_of(bad)


def test_the_organizations_fill_on_miss_drops_a_refused_miss_before_any_call(monkeypatch, capsys):
    """A spoke's miss of an image the hub rule's lists refuse: dropped as not-allowed, no ECR, DynamoDB or SNS call
    (the LISTS environment the MissFill construct writes)."""
    from ecr_ptc_runtime import fill

    from .test_fill import HUB_ACCOUNT, SPOKES, Tripwire, miss

    trip = Tripwire()
    environ = {
        "CACHE_NAME": "c",
        "PREFIXES": "cache",
        "HUB_ACCOUNT": HUB_ACCOUNT,
        "FILL_TABLE": "t",
        "LISTS": '[{"prefix":"cache","allow":["team/*"],"deny":["team/old*"]}]',
    }
    for repository in ("cache/other/app", "cache/team/old-app"):
        answer = fill.run(miss(repository, "v1", SPOKES[0]), environ, ecr_api=trip, dynamodb=trip, sns=trip, deadline=0)
        assert (answer["state"], answer["reason"]) == ("dropped", "not-allowed")
    assert capsys.readouterr().out.count('"reason": "not-allowed"') == 2
