"""The smoke-test script really runs: bash, with stand-ins for `aws` and `docker` on PATH."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ecr_ptc.workstation.smoke_test import smoke_test_script

REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
IMAGES = [f"{REGISTRY}/docker-hub/library/nginx:latest", f"{REGISTRY}/k8s/pause:3.10"]
# `aws ecr get-login-password | docker login` runs both at once: docker logs its call only once it
# has read the password, which aws prints after logging, so the recorded order is not a race.
STUB = """#!/bin/bash
if [ "$(basename "$0") $1" = "docker login" ]; then read -r password; fi
echo "$(basename "$0") $*" >> "$CALLS"
if [ "$(basename "$0") $1" = "aws ecr" ] && [ "$2" = "get-login-password" ]; then echo secret-token; fi
if [ "$(basename "$0") $1" = "docker login" ]; then [ "$password" = secret-token ] || exit 9; fi
case "$*" in *"$FAIL_ON"*) exit 3;; esac
exit 0
"""


def run(tmp_path: Path, fail_on: str = "never-matches") -> tuple[subprocess.CompletedProcess, list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("aws", "docker", "sleep"):  # sleep: retries must not slow the test down
        (bin_dir / name).write_text(STUB)
        (bin_dir / name).chmod(0o755)
    script = tmp_path / "smoke"
    script.write_text(smoke_test_script(REGISTRY, "eu-west-1", IMAGES))
    calls = tmp_path / "calls"
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", CALLS=str(calls), FAIL_ON=fail_on)
    done = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=60)
    lines = calls.read_text().splitlines() if calls.exists() else []
    return done, [line for line in lines if not line.startswith("sleep")]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_smoke_test_logs_in_pulls_each_image_then_describes_it(tmp_path):
    done, calls = run(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "ecr-ptc smoke test passed" in done.stdout
    assert calls == [
        "aws ecr get-login-password --region eu-west-1",
        f"docker login --username AWS --password-stdin {REGISTRY}",
        f"docker pull {IMAGES[0]}",
        f"docker pull {IMAGES[1]}",
        "aws ecr describe-images --region eu-west-1 --repository-name docker-hub/library/nginx",
        "aws ecr describe-images --region eu-west-1 --repository-name k8s/pause",
    ]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_a_failed_pull_fails_the_smoke_test(tmp_path):
    done, calls = run(tmp_path, fail_on="k8s/pause:3.10")
    assert done.returncode == 3
    assert "smoke test passed" not in done.stdout
    assert not [c for c in calls if "describe-images" in c]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_describe_images_is_retried_until_the_image_is_listed(tmp_path):
    done, calls = run(tmp_path, fail_on="--repository-name k8s/pause")  # never listed
    assert done.returncode != 0
    assert sum("--repository-name k8s/pause" in c for c in calls) == 12
