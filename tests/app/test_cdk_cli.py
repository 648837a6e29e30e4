"""The pinned CDK CLI runs the app as cdk.json says (what `make synth` and `cdk deploy` do)."""

from __future__ import annotations

import os
import subprocess

import pytest

from .synth import ROOT

CDK = ROOT / "node_modules" / ".bin" / "cdk"
pytestmark = pytest.mark.skipif(
    not CDK.exists() and os.environ.get("CI") != "true",
    reason="the pinned CDK CLI is not installed (make setup runs npm ci)",
)


def cdk_synth(tmp_path, *args: str) -> subprocess.CompletedProcess:
    # Without the silencing variable: the app must keep jsii's Node end-of-life banner out by itself.
    env = {k: v for k, v in os.environ.items() if k != "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"}
    env["CDK_DISABLE_CLI_TELEMETRY"] = "true"
    return subprocess.run(
        [
            str(CDK),
            "synth",
            "--no-notices",
            "--no-version-reporting",
            "--quiet",
            "-o",
            str(tmp_path / "cdk.out"),
            *args,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cdk_synth_default_config(tmp_path):
    done = cdk_synth(tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "cdk.out" / "EcrPtc.template.json").is_file()
    assert "end-of-life" not in done.stderr and "b'" not in done.stderr, done.stderr[-3000:]


def test_cdk_synth_prints_each_warning_once(tmp_path):
    config = tmp_path / "immutable.yaml"
    config.write_text("rules:\n  - upstream: quay\nrepositories: {tagMutability: IMMUTABLE}\n")
    done = cdk_synth(tmp_path, "-c", f"config={config}")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stderr.count("stops the cache from refreshing tags") == 1, done.stderr


def test_cdk_synth_reports_a_config_mistake_without_a_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - upstream: quay\n    prefix: Bad\n")
    done = cdk_synth(tmp_path, "-c", f"config={bad}")
    assert done.returncode != 0
    assert f"{bad}:3: rules[0].prefix: prefix 'Bad' is not a valid repository prefix" in done.stderr
    assert "Traceback" not in done.stderr
