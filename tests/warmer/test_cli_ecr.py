"""`ecr-ptc warm` without --registry: the caller's ECR (moto for the API, a real registry for /v2/)."""
from __future__ import annotations

import pytest

from cache_warmer import ecr

from ..registry.test_warm_cli import run_warm
from .conftest import token_secrets
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


@pytest.mark.parametrize("env,words", [
    ({}, "NoRegionError"),
    ({"AWS_DEFAULT_REGION": "eu-west-1"}, "NoCredentialsError"),
])
def test_first_run_without_aws_setup_says_what_to_do(monkeypatch, tmp_path, env, words):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                 "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, out, err = run_warm("quay/prometheus/prometheus:latest")
    assert code == 2 and out == ""
    assert words in err and "  Fix: " in err and "--registry" in err
    assert "Traceback" not in err
