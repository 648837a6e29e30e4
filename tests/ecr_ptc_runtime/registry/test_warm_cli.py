"""`ecr-ptc warm --registry` against real registries: an upstream and a docker-registry proxy cache."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ecr_ptc_app.commands import warm as warm_command

from .seed import seed_image

pytestmark = pytest.mark.registry

REPO_ROOT = str(Path(__file__).resolve().parents[3])


def run_warm(*argv: str) -> tuple[int, str, str]:
    import argparse

    parser = argparse.ArgumentParser(prog="ecr-ptc")
    warm_command.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["warm", *argv])
    out, err = io.StringIO(), io.StringIO()
    return warm_command.run(args, stdout=out, stderr=err), out.getvalue(), err.getvalue()


def served(registry, path: str) -> tuple[int, str]:
    """Status and sha256 digest of what the registry serves at path."""
    status, body, _ = registry.get(
        path, {"Accept": "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json"}
    )
    return status, "sha256:" + hashlib.sha256(body).hexdigest()


def test_warm_all_platforms_then_cache_serves_everything_without_upstream(upstream, cache):
    images = [
        seed_image(upstream.url, "cache/app", "v1", seed=1),
        seed_image(upstream.url, "cache/tools/cli", "2.0", layers=2, seed=2),
    ]
    code, out, err = run_warm("--registry", cache.url, *[i.ref for i in images])
    assert code == 0, out + err
    for image in images:
        line = next(row for row in out.splitlines() if row.startswith(image.ref))
        assert image.index in line and "linux/amd64,linux/arm64" in line and line.rstrip().endswith("ok")
    assert not cache.wait_for_blobs(b for i in images for p in i.platforms.values() for b in p.blobs)
    upstream.stop()
    for image in images:
        assert served(cache, f"/v2/{image.repository}/manifests/{image.tag}") == (200, image.index)
        for platform in image.platforms.values():
            assert served(cache, f"/v2/{image.repository}/manifests/{platform.manifest}") == (200, platform.manifest)
            for blob in platform.blobs:
                assert served(cache, f"/v2/{image.repository}/blobs/{blob}") == (200, blob)


def test_one_platform_caches_its_blobs_and_not_the_others(upstream, cache, seeded):
    code, out, err = run_warm("--registry", cache.url, "--platform", "linux/arm64", seeded.ref)
    assert code == 0, out + err
    assert "linux/arm64" in out and "linux/amd64" not in out
    arm = seeded.platforms["linux/arm64"]
    assert not cache.wait_for_blobs(arm.blobs)
    upstream.stop()
    for blob in arm.blobs:
        assert served(cache, f"/v2/{seeded.repository}/blobs/{blob}") == (200, blob)
    amd_only = seeded.blobs_only_in("linux/amd64")
    assert len(amd_only) == 4  # 3 layers + config; the shared layer is cached through arm64
    for blob in amd_only:
        assert served(cache, f"/v2/{seeded.repository}/blobs/{blob}")[0] != 200
    assert served(cache, f"/v2/{seeded.repository}/manifests/{seeded.platforms['linux/amd64'].manifest}")[0] != 200


def test_absent_platform_fails_listing_the_available_ones(cache, seeded):
    code, out, err = run_warm("--registry", cache.url, "--platform", "linux/s390x", seeded.ref)
    assert code == 1
    assert "platform-not-found" in out and "linux/amd64, linux/arm64" in err


def test_missing_tag_fails_others_still_warm(cache, seeded):
    code, out, err = run_warm("--registry", cache.url, "cache/app:nope", seeded.ref)
    assert code == 1
    rows = {row.split()[0]: row for row in out.splitlines()[1:]}
    assert "image-not-found" in rows["cache/app:nope"]
    assert rows[seeded.ref].rstrip().endswith("ok")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["cache/app@sha256:" + "a" * 64], "first pull by digest does not fill a pull-through cache"),
        (["cache/app"], "has no tag"),
        (["Cache/App:v1"], "not a valid name"),
        (["cache/app:v1", "--platform", "linux"], "os/arch"),
        (["cache/app:v1", "--registry", "http://example.com"], "loopback"),
        (["cache/app:v1", "--registry", "http://127.0.0.1:1", "--username", "u"], "go together"),
    ],
)
def test_bad_usage_exits_2_without_traceback(argv, message):
    code, out, err = run_warm(*argv)
    assert code == 2 and message in err and "Traceback" not in err
    assert err.count("\n  Fix: ") == 1, err  # every usage error says what to do, once


def test_basic_auth_cache(start_registry, upstream, seeded, htpasswd_file):
    password = "s3cret-Pa55word"
    cache = start_registry("authcache", proxy_of=upstream.url, htpasswd=htpasswd_file("warmer", password))
    code, out, err = run_warm(
        "--registry", cache.url, "--username", "warmer", "--password", password, "--verbose", seeded.ref
    )
    assert code == 0, out + err
    assert password not in out + err
    code, out, err = run_warm(
        "--registry", cache.url, "--username", "warmer", "--password", "wrong-" + password, "--verbose", seeded.ref
    )
    assert code == 1
    assert "credentials-rejected" in out and "rejected the credentials for user 'warmer'" in err
    assert password not in out + err
    code, out, err = run_warm("--registry", cache.url, seeded.ref)
    assert code == 1 and "requires credentials" in err


def test_console_entry_point_runs_as_module(upstream, cache, seeded):
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    proc = subprocess.run(
        [sys.executable, "-m", "ecr_ptc_app.cli", "warm", "--registry", cache.url, "--concurrency", "2", seeded.ref],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert seeded.index in proc.stdout
    assert f"{seeded.ref}: done" in proc.stderr  # not a TTY: one line per state change


def test_images_and_platforms_from_the_config(upstream, cache, seeded, tmp_path):
    """No IMAGE arguments: the real config loader supplies warm.images and warm.platforms."""
    config = tmp_path / "c.yaml"
    config.write_text(
        f"rules:\n  - {{upstream: quay, prefix: cache}}\nwarm:\n  images: [{seeded.ref}]\n  platforms: [linux/amd64]\n"
    )
    code, out, err = run_warm("--registry", cache.url, "--config", str(config))
    assert code == 0, out + err
    assert seeded.ref in out and "linux/amd64" in out and "linux/arm64" not in out
    config.write_text("rules:\n  - {upstream: quay, prefix: cache}\n")
    code, out, err = run_warm("--registry", cache.url, "--config", str(config))
    assert code == 2 and "no warm.images" in err
    config.write_text("rules:\n  - {upstream: quay, prefix: Cache}\n")
    code, out, err = run_warm("--registry", cache.url, "--config", str(config))
    assert code == 2 and f"{config}:2: rules[0].prefix" in err and "Traceback" not in err


def test_unreadable_config_is_a_usage_error(tmp_path):
    code, out, err = run_warm("--registry", "http://127.0.0.1:1", "--config", str(tmp_path / "missing.yaml"))
    assert code == 2 and "missing.yaml" in err and "Traceback" not in err


def test_a_generic_registry_cannot_say_what_it_held_before(upstream, cache, seeded):
    code, out, err = run_warm("--registry", cache.url, seeded.ref)
    header, row = out.splitlines()
    assert code == 0 and header.split()[2] == "BEFORE" and row.split()[2] == "-"
