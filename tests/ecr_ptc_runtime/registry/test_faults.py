"""Retries and deadlines against injected faults: 429 + Retry-After, 500/503, resets, stalls."""

from __future__ import annotations

import time

import pytest

from ecr_ptc_runtime import errors
from ecr_ptc_runtime.oci_client import Credentials, RegistryClient
from ecr_ptc_runtime.warm import warm_image

from .faults import FaultProxy

pytestmark = pytest.mark.registry


@pytest.fixture
def proxy(fault_proxy, upstream, seeded):
    return fault_proxy(upstream.url)


def warm_through(proxy, seeded, deadline_s: float = 15.0, timeout: float = 5.0):
    client = RegistryClient(proxy.url, timeout=timeout, backoff_base=0.05, backoff_cap=0.3)
    started = time.monotonic()
    result = warm_image(client, seeded.ref, mode="stream", deadline=started + deadline_s)
    return result, time.monotonic() - started


def all_blobs(seeded) -> set[str]:
    return {b for p in seeded.platforms.values() for b in p.blobs}


def test_429_honours_retry_after_then_succeeds(proxy, seeded):
    proxy.inject("status", match="/manifests/v1", times=1, code=429, headers={"Retry-After": "1"})
    result, elapsed = warm_through(proxy, seeded)
    assert result.digest == seeded.index
    assert proxy.count("status") == 1
    assert 0.9 <= elapsed < 10


def test_persistent_429_fails_as_rate_limited_before_the_deadline(proxy, seeded):
    proxy.inject(
        "status",
        match="/manifests/",
        times=1000,
        code=429,
        headers={"Retry-After": "1"},
        body=b'{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}',
    )
    started = time.monotonic()
    with pytest.raises(errors.RateLimited, match="rate limited"):
        warm_through(proxy, seeded, deadline_s=2.5)
    assert time.monotonic() - started < 3.5
    assert 2 <= proxy.count("status") <= 4  # about one try per Retry-After second


@pytest.mark.parametrize("code", [500, 503])
def test_server_errors_are_retried(proxy, seeded, code):
    proxy.inject("status", match="/blobs/", times=3, code=code)
    proxy.inject("status", match="/manifests/sha256:", times=1, code=code)
    result, _ = warm_through(proxy, seeded)
    assert result.blobs_touched == len(all_blobs(seeded))
    assert proxy.count("status") == 4


def test_persistent_500_fails_as_unavailable(proxy, seeded):
    proxy.inject("status", match="/blobs/", times=1000, code=500)
    with pytest.raises(errors.RegistryUnavailable, match="answered 500"):
        warm_through(proxy, seeded, deadline_s=1.5)


def test_connection_resets_are_retried(proxy, seeded):
    proxy.inject("reset", match="/blobs/", times=3)
    proxy.inject("reset", match="/manifests/v1", times=1)
    result, _ = warm_through(proxy, seeded)
    assert (
        result.bytes_read
        == sum(s for p in seeded.platforms.values() for s in p.sizes.values())
        - seeded.platforms["linux/amd64"].sizes[seeded.platforms["linux/amd64"].layers[0]]
    )  # shared layer once
    assert proxy.count("reset") == 4


def test_stalled_response_times_out_and_is_retried(proxy, seeded):
    proxy.inject("stall", match="/blobs/", times=1, seconds=20)
    result, elapsed = warm_through(proxy, seeded, timeout=0.5)
    assert result.digest == seeded.index and elapsed < 10


def test_persistent_stall_fails_within_the_deadline(proxy, seeded):
    proxy.inject("stall", match="/manifests/", times=1000, seconds=20)
    started = time.monotonic()
    with pytest.raises((errors.RegistryUnavailable, errors.DeadlineExceeded), match="timed out|deadline"):
        warm_through(proxy, seeded, deadline_s=2.0, timeout=0.5)
    assert time.monotonic() - started < 4


def test_truncated_blob_is_read_again(proxy, seeded):
    blob = seeded.platforms["linux/arm64"].layers[-1]
    proxy.inject("status", match=f"/blobs/{blob}", times=1, code=200, body=b"short")
    result, _ = warm_through(proxy, seeded)
    assert result.blobs_touched == len(all_blobs(seeded)) and proxy.count("status") == 1


def test_blob_with_wrong_content_is_reported_not_retried(proxy, seeded):
    blob = seeded.platforms["linux/arm64"].layers[-1]
    size = seeded.platforms["linux/arm64"].sizes[blob]
    proxy.inject("status", match=f"/blobs/{blob}", times=1000, code=200, body=b"x" * size)
    with pytest.raises(errors.BadContent, match="content has digest"):
        warm_through(proxy, seeded)
    assert proxy.count("status") == 1


def test_bearer_challenge_flow(proxy, seeded):
    proxy.require_bearer("robot", "robot-password-1", "issued-token-abcdef")
    client = RegistryClient(proxy.url, Credentials("robot", "robot-password-1"), timeout=5)
    result = warm_image(client, seeded.ref, mode="stream", deadline=time.monotonic() + 15)
    assert result.digest == seeded.index
    wrong = RegistryClient(proxy.url, Credentials("robot", "wrong-password-2"), timeout=5)
    with pytest.raises(errors.CredentialsRejected) as caught:
        warm_image(wrong, seeded.ref, mode="stream", deadline=time.monotonic() + 15)
    assert "wrong-password-2" not in str(caught.value) and "robot" in str(caught.value)


def test_a_registry_that_is_down_fails_after_bounded_attempts_not_at_the_deadline():
    from tests.ecr_ptc_runtime.registry.fixtures import free_port

    client = RegistryClient(
        f"http://127.0.0.1:{free_port()}", timeout=1, backoff_base=0.01, backoff_cap=0.05, max_attempts=4
    )
    started = time.monotonic()
    with pytest.raises(errors.RegistryUnavailable, match="gave up after 4 attempts"):
        warm_image(client, "quay/a/b:1", mode="stream", deadline=started + 600)
    assert time.monotonic() - started < 30


def test_blob_redirects_are_not_followed_in_ecr_mode_and_followed_when_streaming(proxy, seeded, upstream):
    """ECR answers a blob GET with a redirect to S3: the warmer must not move those bytes itself."""
    sink = FaultProxy(upstream.url).start()  # stands in for S3: counts who comes
    try:
        blobs = all_blobs(seeded)
        for blob in blobs:
            location = f"{sink.url}/v2/{seeded.repository}/blobs/{blob}"
            proxy.inject("status", match=f"/blobs/{blob}", times=2, code=307, body=b"", headers={"Location": location})
        client = RegistryClient(proxy.url, timeout=5)
        result = warm_image(client, seeded.ref, mode="ecr", deadline=time.monotonic() + 15)
        assert result.bytes_read == 0 and result.blobs_touched == len(blobs)
        assert sink.requests == []
        streamed = warm_image(client, seeded.ref, mode="stream", deadline=time.monotonic() + 15)
        assert {path.rsplit("/", 1)[-1] for _, path, _ in sink.requests} == blobs
        sizes = {blob: n for p in seeded.platforms.values() for blob, n in p.sizes.items()}
        assert streamed.bytes_read == sum(sizes.values())  # each distinct blob read once, to the end
    finally:
        sink.stop()
