"""`ecr-ptc warm` without --registry: the caller's ECR (moto for the API, a real registry for /v2/)."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    ProxyConnectionError,
    ReadTimeoutError,
    SSLError,
)

from ecr_ptc_runtime import ecr

from .conftest import token_secrets
from .registry.fixtures import free_port
from .registry.test_warm_cli import run_warm
from .test_handler import all_blobs, blob_gets

pytestmark = pytest.mark.registry


def test_ecr_mode_touches_every_blob_without_reading_bytes(ecr_api, ecr_registry, seeded, monkeypatch):
    monkeypatch.setattr(ecr, "client", lambda region=None: ecr_api)
    code, out, err = run_warm("--verbose", seeded.ref)
    assert code == 0, out + err
    row = next(line for line in out.splitlines() if line.startswith(seeded.ref))
    assert seeded.index in row and " 0 B " in row
    assert blob_gets(ecr_registry) == all_blobs(seeded)
    for secret in token_secrets():
        assert secret not in out + err


def test_ecr_mode_missing_repository_without_rule_explains(ecr_api, monkeypatch):
    monkeypatch.setattr(ecr, "client", lambda region=None: ecr_api)
    code, out, err = run_warm("nocache/app:v1")
    assert code == 1
    # moto cannot list cache rules, so the message names both causes
    assert "image-not-found" in out and "no pull-through cache rule covers its prefix" in err
    assert "ecr:CreateRepository" in err


@pytest.fixture
def no_aws_setup(monkeypatch, tmp_path):
    """A machine with no AWS Region, credentials, profile or endpoint of its own."""
    for name in (
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_ECR",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # boto3's default session keeps the credentials it found first: a test run earlier may have left some
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)


@pytest.mark.parametrize(
    "env,words",
    [
        ({}, "NoRegionError"),
        ({"AWS_DEFAULT_REGION": "eu-west-1"}, "NoCredentialsError"),
    ],
)
def test_first_run_without_aws_setup_says_what_to_do(no_aws_setup, monkeypatch, env, words):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, out, err = run_warm("quay/prometheus/prometheus:latest")
    assert code == 2 and out == ""
    assert words in err and "  Fix: " in err and "--registry" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "env, region",
    [
        ({"AWS_REGION": "eu-west-3"}, "eu-west-3"),  # botocore itself reads only AWS_DEFAULT_REGION
        ({"AWS_DEFAULT_REGION": "eu-north-1"}, "eu-north-1"),
        ({"AWS_REGION": "eu-west-3", "AWS_DEFAULT_REGION": "eu-north-1"}, "eu-west-3"),  # as the AWS CLI v2 does
    ],
)
def test_ecr_client_honours_aws_region(no_aws_setup, monkeypatch, env, region):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert ecr.client().meta.region_name == region
    assert ecr.client("ap-south-1").meta.region_name == "ap-south-1"


def test_warm_takes_the_region_of_the_configs_one_environment(no_aws_setup, monkeypatch, tmp_path):
    """No AWS_REGION, a config with one environment: warm uses its Region instead of demanding AWS_REGION."""
    config = tmp_path / "config.yaml"
    config.write_text(
        "rules:\n  - upstream: quay\nenvironments:\n  - {region: ap-south-1}\nwarm:\n  images: [quay/a/b:v1]\n"
    )
    asked = []

    def client(region=None):
        asked.append(region)
        raise RuntimeError("stop here")

    monkeypatch.setattr(ecr, "client", client)
    code, _, err = run_warm("--config", str(config))
    assert asked == ["ap-south-1"] and code == 2 and "stop here" in err
    monkeypatch.setenv("AWS_REGION", "eu-west-3")  # the environment still wins, as everywhere
    run_warm("--config", str(config))
    assert asked[-1] == "eu-west-3"


def dummy_aws(monkeypatch, **env) -> None:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", **env}.items():
        monkeypatch.setenv(name, value)


def test_no_network_to_ecr_says_what_to_do(no_aws_setup, monkeypatch):
    """AWS_REGION alone, and an ECR endpoint nothing answers on (a closed loopback port)."""
    endpoint = f"http://127.0.0.1:{free_port()}"
    dummy_aws(monkeypatch, AWS_REGION="eu-west-3", AWS_ENDPOINT_URL_ECR=endpoint, AWS_MAX_ATTEMPTS="1")
    code, out, err = run_warm("quay/prometheus/prometheus:latest")
    assert code == 2 and out == ""
    first, fix = err.splitlines()
    assert (
        first
        == f'ecr-ptc warm: error: cannot reach the Amazon ECR API: Could not connect to the endpoint URL: "{endpoint}/"'
    )
    assert fix.startswith("  Fix: ") and "proxy" in fix and "AWS_REGION" in fix and "--registry" in fix


@pytest.mark.parametrize(
    "error",
    [
        ConnectTimeoutError(endpoint_url="https://api.ecr.eu-west-3.amazonaws.com/"),
        ReadTimeoutError(endpoint_url="https://api.ecr.eu-west-3.amazonaws.com/"),
        ProxyConnectionError(proxy_url="http://user:hunter2@proxy.invalid:3128", error="refused"),
        SSLError(
            endpoint_url="https://api.ecr.eu-west-3.amazonaws.com/", error="certificate verify failed:\n self-signed"
        ),
        ConnectionClosedError(endpoint_url="https://api.ecr.eu-west-3.amazonaws.com/"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_every_kind_of_unreachable_ecr_says_what_to_do(monkeypatch, error):
    class Unreachable:
        def get_authorization_token(self):
            raise error

    monkeypatch.setattr(ecr, "client", lambda region=None: Unreachable())
    code, out, err = run_warm("quay/prometheus/prometheus:latest")
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 2 and lines[0].startswith("ecr-ptc warm: error: cannot reach the Amazon ECR API: ")
    assert lines[1].startswith("  Fix: check that this machine can reach the Amazon ECR API")
    assert "hunter2" not in err


# --- moved tags: the BEFORE column (the same refresh code as the scheduled re-warm) ------------------------------
def row_of(out: str, image: str) -> list[str]:
    header, *rows = out.splitlines()
    assert header.split()[:3] == ["IMAGE", "DIGEST", "BEFORE"]
    return next(r.split() for r in rows if r.startswith(image))


def test_ecr_mode_reports_a_moved_tag_with_its_old_and_new_digest(ecr_api, ecr_registry, upstream, seeded, monkeypatch):
    from .registry.seed import seed_image
    from .test_scheduled import ListingEcr

    api = ListingEcr(ecr_api)
    api.listed[(seeded.repository, seeded.tag)] = (seeded.index, "ACTIVE")  # cached before
    rebuilt = seed_image(upstream.url, seeded.repository, seeded.tag, seed=8)  # the tag moved upstream since
    monkeypatch.setattr(ecr, "client", lambda region=None: api)
    code, out, err = run_warm(seeded.ref)
    assert code == 0, out + err
    assert row_of(out, seeded.ref)[1:3] == [rebuilt.index, seeded.index]
    assert f"ecr-ptc warm: {seeded.ref} moved: {seeded.index} -> {rebuilt.index}" in err.splitlines()

    api.listed[(seeded.repository, seeded.tag)] = (rebuilt.index, "ACTIVE")
    code, out, err = run_warm(seeded.ref)
    assert code == 0 and row_of(out, seeded.ref)[1:3] == [rebuilt.index, "same"] and "moved" not in err


def test_ecr_mode_without_describe_images_says_so_once(ecr_api, ecr_registry, seeded, monkeypatch):
    from botocore.exceptions import ClientError

    class Denied:
        def __getattr__(self, name):
            return getattr(ecr_api, name)

        def describe_images(self, **_):
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "DescribeImages")

    monkeypatch.setattr(ecr, "client", lambda region=None: Denied())
    code, out, err = run_warm(seeded.ref)
    assert code == 0 and row_of(out, seeded.ref)[2] == "?"
    assert err.count("moved tags not reported: ecr:DescribeImages answered AccessDeniedException") == 1
    assert "  Fix: allow ecr:DescribeImages" in err


def test_an_archived_image_by_hand_is_explained_with_the_restore_command(ecr_api, ecr_registry, monkeypatch):
    from .test_scheduled import ListingEcr

    api = ListingEcr(ecr_api)
    api.listed[("cache/gone", "v1")] = ("sha256:" + "a" * 64, "ARCHIVED")
    monkeypatch.setattr(ecr, "client", lambda region=None: api)
    code, out, err = run_warm("cache/gone:v1")
    assert code == 1 and "FAILED (archived)" in out
    assert "update-image-storage-class --repository-name cache/gone --image-id imageDigest=sha256:" in err
