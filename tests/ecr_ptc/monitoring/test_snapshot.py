"""Snapshot of config/monitoring.yaml's stack: schedule, rule, alarms, topic and policies, dashboard, lifecycle.

A change here may replace a resource in someone's account: read the diff before `pytest --snapshot-update`."""

from __future__ import annotations

import pytest

from tests.app.synth import ROOT, normalise, synth

pytestmark = pytest.mark.synth


def test_monitoring_config_snapshot(tmp_path, snapshot):
    templates = synth(ROOT / "config" / "monitoring.yaml", tmp_path / "out")
    assert normalise(templates["EcrPtc-123456789012-eu-west-1"]) == snapshot
