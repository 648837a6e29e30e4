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
