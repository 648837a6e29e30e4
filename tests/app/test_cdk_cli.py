"""The pinned CDK CLI runs the app as cdk.json says (what `make synth` and `cdk deploy` do)."""
from __future__ import annotations

import os
import subprocess

import pytest

from .synth import ROOT

CDK = ROOT / "node_modules" / ".bin" / "cdk"
pytestmark = pytest.mark.skipif(not CDK.exists() and os.environ.get("CI") != "true",
                                reason="the pinned CDK CLI is not installed (make setup runs npm ci)")


def cdk_synth(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20", CDK_DISABLE_CLI_TELEMETRY="true")
    return subprocess.run([str(CDK), "synth", "--no-notices", "--no-version-reporting", "--quiet",
                           "-o", str(tmp_path / "cdk.out"), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_cdk_synth_default_config(tmp_path):
    done = cdk_synth(tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "cdk.out" / "EcrPtc.template.json").is_file()


def test_cdk_synth_reports_a_config_mistake_without_a_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - upstream: quay\n    prefix: Bad\n")
    done = cdk_synth(tmp_path, "-c", f"config={bad}")
    assert done.returncode != 0
    assert f"{bad}:3: rules[0].prefix: prefix 'Bad' is not a valid repository prefix" in done.stderr
    assert "Traceback" not in done.stderr
