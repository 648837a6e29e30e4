"""The upstream table is the one owner of what the project knows about each upstream: it matches CloudFormation's
``UpstreamRegistry`` enum (cfn-lint's copy of the AWS::ECR::PullThroughCacheRule schema), and every list of
upstreams in the README is the table's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from ecr_ptc_runtime.upstreams import ALIASES, UPSTREAMS, Auth, upstream_of_host

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def _readme_row(key: str) -> str:
    """The config reference row of ``key`` (``| `upstream` | ... |``)."""
    rows = [line for line in README.splitlines() if line.startswith(f"| `{key}` |")]
    assert len(rows) == 1, rows
    return rows[0]


def _codes(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def test_the_table_is_cloudformations_upstream_registry_enum():
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", "AWS::ECR::PullThroughCacheRule").schema
    prop = schema["properties"]["UpstreamRegistry"]
    ref = prop.get("$ref", "").removeprefix("#/definitions/")
    enum = (schema["definitions"][ref] if ref else prop)["enum"]
    assert sorted(UPSTREAMS) == sorted(enum)


def test_the_readme_config_reference_lists_the_tables_upstreams_prefixes_urls_and_credentials():
    cells = _readme_row("upstream").split("|")
    assert _codes(cells[3]) == list(UPSTREAMS)
    prefix_default = _readme_row("prefix").split("|")[2]
    assert _codes(prefix_default)[:] == [u.default_prefix for u in UPSTREAMS.values()]
    url_cell = _readme_row("registryUrl").split("|")[3]
    needs_url = [u.name for u in UPSTREAMS.values() if u.url is None]
    assert [c for c in _codes(url_cell) if c in UPSTREAMS] == needs_url
    for name in needs_url:  # each with the host shape the table checks
        assert UPSTREAMS[name].url_shape.form.strip("'").split("'")[0] in url_cell.replace("<name>", "<registry name>")
    credentials_cell = _readme_row("credentials").split("|")[3].split(".")[0]
    assert _codes(credentials_cell) == [u.name for u in UPSTREAMS.values() if u.auth is Auth.SECRET]


def test_the_readme_introduction_and_library_table_name_every_upstream():
    introduction = README.split("\n\n")[1]
    for upstream in UPSTREAMS.values():
        assert upstream.title in introduction, upstream.title
    factories = _codes(next(line for line in README.splitlines() if line.startswith("| `UpstreamRule` |")))
    names = [f.split("(")[0] for f in factories if f.split("(")[0].replace("_", "-") in UPSTREAMS]
    assert [n.replace("_", "-") for n in names] == list(UPSTREAMS)


@pytest.mark.parametrize(
    "host, upstream",
    [
        ("quay.io", "quay"),
        ("Quay.IO", "quay"),
        ("docker.io", "docker-hub"),
        ("myteam.azurecr.io", "azure-container-registry"),
        ("210987654321.dkr.ecr.us-east-1.amazonaws.com", "ecr"),
        ("mcr.microsoft.com", None),
        ("evil.azurecr.io.example.com", None),
    ],
)
def test_the_upstream_of_a_host_comes_from_the_table(host, upstream):
    found = upstream_of_host(host)
    assert (found.name if found else None) == upstream


def test_every_alias_names_an_upstream():
    assert set(ALIASES.values()) <= set(UPSTREAMS)
