"""Configs the property test found that validate accepted and AWS (or synth) would not: now refused
with a fix, or made to work. One row each, so none comes back."""

from __future__ import annotations

import pytest

from ecr_ptc_app.config import ConfigError, load_config

QUAY = "rules: [{upstream: quay}]\n"

REFUSED = [
    (
        "scan-filter-double-dash",
        "rules: [{upstream: quay, prefix: a--b}]\nrepositories: {scanOnPush: basic}\n",
        "rules[0].prefix",
        "scanning filters",
        "scanOnPush off",
    ),
    (
        "scan-filter-double-underscore",
        "rules: [{upstream: quay, prefix: a__b}]\nrepositories: {scanOnPush: enhanced}\n",
        "rules[0].prefix",
        "'--' and '__'",
        "single separators",
    ),
    (
        "instance-type-not-in-region",
        QUAY + "environments: [{region: ca-west-1}]\nworkstation: {kind: ec2, instanceType: m7g.large}\n",
        "workstation.instanceType",
        "not offered in ca-west-1",
        "describe-instance-type-offerings",
    ),
    (
        "cloud9-not-in-region",
        QUAY + "environments: [{region: mx-central-1}]\nworkstation: {kind: cloud9}\n",
        "workstation.kind",
        "not offered by CloudFormation in mx-central-1",
        "kind ec2",
    ),
    ("warm-without-images", QUAY + "warm: {onFailure: warn}\n", "warm", "has no images", "add 'images:'"),
    ("workstation-without-kind", QUAY + "workstation: {}\n", "workstation", "has no kind", "add 'kind:'"),
    (
        "short-account-number",
        QUAY + "environments: [{account: 5, region: eu-west-1}]\n",
        "environments[0].account",
        "not a 12-digit",
        "all 12 digits",
    ),
    ("repositories-list", QUAY + "repositories: []\n", "repositories", "expected a mapping", "key: value"),
    ("environments-mapping", QUAY + "environments: {}\n", "environments", "expected a list", "YAML list"),
]


@pytest.mark.parametrize("text, path, problem, fix", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_refused_with_a_fix(tmp_path, text, path, problem, fix):
    file = tmp_path / "config.yaml"
    file.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(file)
    [found] = [p for p in caught.value.problems if p.path == path]
    assert problem in found.problem and fix in found.fix


def test_an_empty_section_is_still_empty(tmp_path):
    file = tmp_path / "config.yaml"
    file.write_text(QUAY + "repositories:\nenvironments:\n")
    config = load_config(file)
    assert config.environments == () and config.repositories.tags == {}


def test_validate_without_a_path_reads_the_current_directorys_default(tmp_path):
    """An installed ecr-ptc (no clone around it) reads ./config/default.yaml, as cdk.json's context does."""
    import subprocess
    import sys

    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "default.yaml").write_text("rules: [{upstream: k8s}]\n")
    done = subprocess.run(
        [sys.executable, "-m", "ecr_ptc_app.cli", "validate"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("config/default.yaml: OK") and "k8s/" in done.stdout
