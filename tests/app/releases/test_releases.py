"""The release fixtures and the CHANGELOG reading of the upgrade test (tests/app/test_app.py runs the upgrade)."""

from __future__ import annotations

import json

from . import HERE, breaking_entries_since, upgrade_problems, versions

CHANGELOG = """# Changelog
## Unreleased
### Breaking
- Template change: `CachequayRule0DAEBF81` moves. Steps: deploy twice.
### Added
- not breaking `CacheOther`
## [0.3.0] - 2027-01-01
### Breaking
- `CacheOlder` goes. Steps: none.
## [0.2.0] - 2026-12-05
### Breaking
- `Cache020` (0.2.0's own entry).
"""


def test_every_release_has_a_fixture_for_every_config_it_shipped():
    assert "0.2.0" in versions()
    folder = HERE / "0.2.0"
    assert {p.name for p in folder.iterdir()} >= {"default", "full", "organization", "workshop"}
    for path in folder.glob("*/*.template.json"):
        template = json.loads(path.read_text())
        assert template["Resources"] and "<asset-hash>" not in path.name


def test_breaking_entries_since_a_version_are_those_of_newer_sections():
    entries = breaking_entries_since("0.2.0", CHANGELOG)
    assert any("CachequayRule0DAEBF81" in e and "Steps:" in e for e in entries)
    assert any("CacheOlder" in e for e in entries)
    assert not any("Cache020" in e or "CacheOther" in e for e in entries)
    assert not any("CacheOlder" in e for e in breaking_entries_since("0.3.0", CHANGELOG))


def test_an_upgrade_that_would_fail_is_a_problem_until_a_breaking_entry_names_it():
    stack = json.loads((HERE / "0.2.0" / "default" / "EcrPtc.template.json").read_text())
    for resource in stack["Resources"].values():
        if (
            resource["Type"] == "AWS::ECR::PullThroughCacheRule"
            and resource["Properties"]["EcrRepositoryPrefix"] == "quay"
        ):
            resource["Properties"]["UpstreamRegistryUrl"] = "quay.example.com"
    (problem,) = upgrade_problems("0.2.0", "default", {"EcrPtc": stack})
    assert "CachequayRule" in problem and "already exists" in problem
    assert upgrade_problems("0.2.0", "not-shipped-then", {"EcrPtc": stack}) == []
