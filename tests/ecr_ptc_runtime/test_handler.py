"""The CloudFormation custom resource handlers against moto (ECR API) and a real registry."""

from __future__ import annotations

import time

import pytest

from ecr_ptc_runtime import errors, handler

from .conftest import Context, import_into_ecr, token_secrets

pytestmark = pytest.mark.registry


def event(request: str, image: str, physical_id: str | None = None, old_image: str | None = None, **props) -> dict:
    properties = {
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:p",
        "Image": image,
        "Platforms": props.pop("Platforms", []),
        "TimeoutSeconds": str(props.pop("TimeoutSeconds", 300)),
        "OnFailure": props.pop("OnFailure", "fail"),
    }
    ev = {
        "RequestType": request,
        "ResourceProperties": properties,
        "StackId": "stack",
        "RequestId": "r",
        "LogicalResourceId": "Warm",
        "ResourceType": "Custom::EcrPtcCacheWarmer",
    }
    if physical_id:
        ev["PhysicalResourceId"] = physical_id
    if old_image:
        ev["OldResourceProperties"] = {**properties, "Image": old_image}
    return ev


def blob_gets(proxy) -> set[str]:
    return {
        path.rsplit("/", 1)[1]
        for method, path, status in proxy.requests
        if method == "GET" and "/blobs/" in path and status == 200
    }


def all_blobs(image) -> set[str]:
    return {b for p in image.platforms.values() for b in p.blobs}


def test_create_warms_every_blob_and_returns_the_digest(ecr_api, ecr_registry, seeded, capsys):
    started = time.time()
    answer = handler.on_event(event("Create", seeded.ref, TimeoutSeconds=600), Context())
    assert answer["PhysicalResourceId"] == seeded.ref
    assert answer["Data"]["Digest"] == seeded.index and answer["Data"]["Image"] == seeded.ref
    assert int(started) + 600 <= answer["Data"]["Deadline"] <= time.time() + 601
    assert blob_gets(ecr_registry) == all_blobs(seeded)
    logs = capsys.readouterr().out
    assert '"event": "on-event-done"' in logs
    for secret in token_secrets():
        assert secret not in logs


def test_create_with_one_platform_touches_only_its_blobs(ecr_api, ecr_registry, seeded):
    handler.on_event(event("Create", seeded.ref, Platforms=["linux/arm64"]), Context())
    assert blob_gets(ecr_registry) == set(seeded.platforms["linux/arm64"].blobs)


def test_update_physical_id_follows_the_image(ecr_api, upstream, seeded):
    from tests.ecr_ptc_runtime.registry.seed import seed_image

    other = seed_image(upstream.url, "cache/other", "v2", layers=1, seed=9)
    changed = handler.on_event(event("Update", other.ref, physical_id=seeded.ref, old_image=seeded.ref), Context())
    assert changed["PhysicalResourceId"] == other.ref != seeded.ref  # replacement
    assert changed["Data"]["Digest"] == other.index
    same = handler.on_event(
        event("Update", seeded.ref, physical_id=seeded.ref, old_image=seeded.ref, Platforms=["linux/amd64"]), Context()
    )
    assert same["PhysicalResourceId"] == seeded.ref


def test_delete_never_fails_and_touches_nothing(monkeypatch):
    monkeypatch.setattr(handler, "ecr_client", lambda: pytest.fail("Delete must not call AWS"))
    answer = handler.on_event(event("Delete", "cache/app:v1", physical_id="cache/app:v1"), Context())
    assert answer == {"PhysicalResourceId": "cache/app:v1", "Data": {}}
    assert handler.on_event(event("Delete", "NOT VALID", physical_id="x"), Context())["PhysicalResourceId"] == "x"
    assert handler.is_complete(event("Delete", "cache/app:v1", physical_id="cache/app:v1"), Context()) == {
        "IsComplete": True
    }


def test_is_complete_waits_for_the_import_then_completes(ecr_api, ecr_registry, upstream, seeded):
    created = handler.on_event(event("Create", seeded.ref), Context())
    ev = {**event("Create", seeded.ref), **created}
    before = len(ecr_registry.requests)
    assert handler.is_complete(ev, Context()) == {"IsComplete": False}
    assert blob_gets_since(ecr_registry, before) == all_blobs(seeded)  # re-touched what is missing
    import_into_ecr(ecr_api, upstream, seeded)
    done = handler.is_complete(ev, Context())
    assert done == {"IsComplete": True, "Data": {"Digest": seeded.index, "Image": seeded.ref}}


def blob_gets_since(proxy, start: int) -> set[str]:
    return {
        path.rsplit("/", 1)[1]
        for method, path, status in proxy.requests[start:]
        if method == "GET" and "/blobs/" in path
    }


def test_is_complete_past_the_deadline_names_what_is_missing(ecr_api, seeded):
    created = handler.on_event(event("Create", seeded.ref), Context())
    ev = {**event("Create", seeded.ref), **created}
    ev["Data"]["Deadline"] = int(time.time()) - 1
    with pytest.raises(
        errors.DeadlineExceeded, match=r"DescribeImages does not list tag v1; 9 blob\(s\) not AVAILABLE"
    ):
        handler.is_complete(ev, Context())
    warned = handler.is_complete(
        {**ev, "ResourceProperties": {**ev["ResourceProperties"], "OnFailure": "warn"}}, Context()
    )
    assert warned["IsComplete"] is True and warned["Data"]["Digest"] == ""
    assert "not fully cached" in warned["Data"]["Warning"]


def test_missing_tag_fails_or_warns(ecr_api, seeded):
    with pytest.raises(errors.ImageNotFound):
        handler.on_event(event("Create", "cache/app:missing"), Context())
    answer = handler.on_event(event("Create", "cache/app:missing", OnFailure="warn"), Context())
    assert answer["PhysicalResourceId"] == "cache/app:missing"
    assert answer["Data"]["Digest"] == "" and "not found" in answer["Data"]["Warning"]
    done = handler.is_complete({**event("Create", "cache/app:missing", OnFailure="warn"), **answer}, Context())
    assert done["IsComplete"] is True and done["Data"]["Warning"] == answer["Data"]["Warning"]


def test_on_event_leaves_time_to_answer_when_the_registry_stalls(ecr_api, ecr_registry, seeded):
    ecr_registry.inject("stall", match="/blobs/", times=1000, seconds=30)
    started = time.monotonic()
    answer = handler.on_event(event("Create", seeded.ref), Context(seconds=4))
    assert time.monotonic() - started < 4  # answered inside the invocation
    assert answer["Data"]["Digest"] == seeded.index  # is_complete touches the rest


def test_rejected_token_is_a_credentials_error_without_the_token(ecr_api, ecr_registry, seeded, capsys):
    ecr_registry.inject(
        "status",
        match="/manifests/",
        times=1000,
        code=401,
        headers={"WWW-Authenticate": 'Basic realm="test"'},
        body=b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
    )
    with pytest.raises(errors.CredentialsRejected) as caught:
        handler.on_event(event("Create", seeded.ref), Context())
    text = str(caught.value) + capsys.readouterr().out
    assert "rejected the credentials for user 'AWS'" in text
    for secret in token_secrets():
        assert secret not in text


def test_bad_properties_fail_even_with_warn(ecr_api):
    with pytest.raises(ValueError, match="first pull by digest"):
        handler.on_event(event("Create", "cache/app@sha256:" + "0" * 64, OnFailure="warn"), Context())
    with pytest.raises(ValueError, match="TimeoutSeconds"):
        handler.on_event(event("Create", "cache/app:v1", TimeoutSeconds="soon"), Context())


def test_every_on_event_answer_carries_data_for_is_complete(ecr_api, ecr_registry, seeded):
    """Create, warn-mode failures and Delete all answer with Data (the deadline, the digest, the warning),
    which the framework merges into the isComplete calls."""
    answers = [
        handler.on_event(event("Create", seeded.ref), Context()),
        handler.on_event(event("Create", "cache/missing:v1", OnFailure="warn"), Context()),
        handler.on_event(event("Delete", seeded.ref, physical_id=seeded.ref), Context()),
    ]
    assert all("Data" in answer for answer in answers)


@pytest.mark.parametrize(
    "code, body",
    [
        (404, b'{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}'),  # import still running
        (403, b'{"errors":[{"code":"DENIED","message":"not authorized"}]}'),
        (400, b'{"errors":[{"code":"UNSUPPORTED","message":"odd answer"}]}'),  # a WarmError of no known kind
    ],
)
def test_a_blob_error_on_create_is_left_to_is_complete(ecr_api, ecr_registry, upstream, seeded, capsys, code, body):
    """Only is_complete may fail the deploy over a blob (at the deadline): ECR may 404 a layer while its
    import runs. The other blobs are still touched, so ECR starts fetching them."""
    layer = seeded.platforms["linux/amd64"].layers[-1]
    ecr_registry.inject("status", match=f"/blobs/{layer}", times=1000, code=code, body=body)
    created = handler.on_event(event("Create", seeded.ref), Context())
    assert created["Data"]["Digest"] == seeded.index and "Warning" not in created["Data"]
    assert blob_gets(ecr_registry) == all_blobs(seeded) - {layer}
    assert '"event": "touch-deferred"' in capsys.readouterr().out
    ev = {**event("Create", seeded.ref), **created}
    assert handler.is_complete(ev, Context()) == {"IsComplete": False}
    import_into_ecr(ecr_api, upstream, seeded)
    assert handler.is_complete(ev, Context())["Data"]["Digest"] == seeded.index


def test_any_exception_touching_blobs_on_create_is_left_to_is_complete(ecr_api, seeded, monkeypatch):
    from ecr_ptc_runtime.oci_client import RegistryClient

    def broken(self, repository, digest, deadline):
        raise RuntimeError("something unexpected")

    monkeypatch.setattr(RegistryClient, "touch_blob", broken)
    created = handler.on_event(event("Create", seeded.ref), Context())
    assert created["Data"]["Digest"] == seeded.index
    ev = {**event("Create", seeded.ref), **created}
    assert handler.is_complete(ev, Context()) == {"IsComplete": False}
    ev["Data"]["Deadline"] = int(time.time()) - 1
    with pytest.raises(errors.DeadlineExceeded, match="9 blob"):
        handler.is_complete(ev, Context())


def test_is_complete_retouches_every_missing_blob_past_a_failing_one(ecr_api, ecr_registry, seeded):
    created = handler.on_event(event("Create", seeded.ref), Context())
    layer = seeded.platforms["linux/arm64"].layers[0]
    ecr_registry.inject(
        "status",
        match=f"/blobs/{layer}",
        times=1000,
        code=404,
        body=b'{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}',
    )
    before = len(ecr_registry.requests)
    assert handler.is_complete({**event("Create", seeded.ref), **created}, Context()) == {"IsComplete": False}
    assert blob_gets_since(ecr_registry, before) == all_blobs(seeded)  # the failing one too, and all after it


def test_manifest_errors_still_fail_on_create(ecr_api, ecr_registry, seeded):
    ecr_registry.inject(
        "status",
        match="/manifests/",
        times=1000,
        code=403,
        body=b'{"errors":[{"code":"DENIED","message":"not authorized"}]}',
    )
    with pytest.raises(errors.WarmError, match="ecr:CreateRepository"):  # explained in ECR terms
        handler.on_event(event("Create", seeded.ref), Context())


def test_each_provider_handler_has_its_own_entry_point(monkeypatch):
    """on_event_handler and is_complete_handler never look at Data: each serves one Provider handler."""
    calls = []
    monkeypatch.setattr(handler, "on_event", lambda e, c: calls.append(("on_event", e["RequestType"])) or {"Data": {}})
    monkeypatch.setattr(
        handler, "is_complete", lambda e, c: calls.append(("is_complete", e["RequestType"])) or {"IsComplete": True}
    )
    for request in ("Create", "Update", "Delete"):
        cfn_event = event(request, "cache/app:v1", physical_id="cache/app:v1")
        assert handler.on_event_handler({**cfn_event, "Data": {}}, Context()) == {"Data": {}}
        assert handler.is_complete_handler(cfn_event, Context()) == {"IsComplete": True}
    assert calls == [call for r in ("Create", "Update", "Delete") for call in (("on_event", r), ("is_complete", r))]


def test_entry_points_run_the_real_handlers():
    delete = event("Delete", "cache/app:v1", physical_id="cache/app:v1")
    assert handler.on_event_handler(delete, Context()) == {"PhysicalResourceId": "cache/app:v1", "Data": {}}
    assert handler.is_complete_handler(delete, Context()) == {"IsComplete": True}  # no Data: still is_complete
    assert not hasattr(handler, "handler")  # no entry point that guesses its trigger
