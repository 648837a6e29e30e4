"""distribution/reference's test tables (reference_table.py): parse_reference gives what Docker's parser gives,
``ecr-ptc uri`` exits 2 exactly for what it refuses, and the Kyverno policy's patterns, run with RE2, rewrite exactly
what the mapping maps (and nothing it refuses)."""

from __future__ import annotations

import io
import json

import pytest

from ecr_ptc_app.cli import parser
from ecr_ptc_runtime.mapping import CannotHold, map_reference
from ecr_ptc_runtime.patterns import rewrite_patterns
from ecr_ptc_runtime.references import InvalidReference, Reference, parse_reference

from ..ecr_ptc_app.commands.workload_config import REGISTRY, write_config
from .kyverno_re2 import admit
from .reference_table import INVALID, SHA, VALID
from .test_references import RULES, Rule

# Rules that meet the table: a ROOT rule beside prefixed ones, and hosts of the table.
TABLE_RULES = [
    *RULES,
    Rule("ecr", "ROOT", "gcr.io"),  # a ROOT rule (the host stands in for any)
    Rule("azure-container-registry", "sub", "sub-dom1.foo.com"),
]


def test_the_table_is_distribution_references_size():
    assert len(VALID) >= 80 and len(INVALID) >= 40


@pytest.mark.parametrize("case", VALID, ids=[v.written[:40] for v in VALID])
def test_valid_references_parse_as_docker_parses_them(case):
    assert parse_reference(case.written) == Reference(case.domain, case.path, case.tag, case.digest)


@pytest.mark.parametrize("written, message", INVALID, ids=[w[:40] or "empty" for w, _ in INVALID])
def test_invalid_references_are_refused_saying_why(written, message):
    with pytest.raises(InvalidReference, match=message):
        parse_reference(written)


def test_the_two_deliberate_differences():
    assert parse_reference("busybox@sha512:" + "f" * 128).digest == "sha512:" + "f" * 128
    assert parse_reference("registry-1.docker.io/busybox") == Reference("docker.io", "library/busybox")


def _expected(written: str):
    """The mapping's answer: the cache URI, or None (not covered, refused, or not holdable)."""
    try:
        mapping = map_reference(written, TABLE_RULES, REGISTRY)
    except (InvalidReference, CannotHold):
        return None
    return None if mapping is None or mapping.reference.domain == REGISTRY else mapping.uri


ALL = (
    [v.written for v in VALID]
    + [w for w, _ in INVALID]
    + [
        "gcr.io/docker-hub/x",  # under another rule's prefix through the ROOT rule: ECR would pull it from Docker Hub
        "gcr.io/a",  # a one-character repository: ECR's names have 2 or more
        "gcr.io/" + "a" * 255,  # ROOT: 255 characters fit ECR's 256
        "sub-dom1.foo.com/" + "a" * 252,  # 'sub/' + 252 = 256: fits
        "sub-dom1.foo.com/" + "a" * 253,  # 257: ECR cannot hold it
        "nginx:" + "a" * 128,
        "nginx:" + "a" * 129,
        "nginx@sha256:" + "f" * 63,
        f"nginx@{SHA}\n",
        "GCR.io/library/busybox",
    ]
)


@pytest.mark.parametrize("written", ALL, ids=[w[:40] or "empty" for w in ALL])
def test_the_kyverno_patterns_run_with_re2_rewrite_what_the_mapping_maps(written):
    assert admit(rewrite_patterns(TABLE_RULES, REGISTRY), written) == _expected(written)


def test_the_holding_limits_are_what_uri_says():
    assert _expected("gcr.io/" + "a" * 255) == f"{REGISTRY}/{'a' * 255}"
    assert _expected("sub-dom1.foo.com/" + "a" * 252) == f"{REGISTRY}/sub/{'a' * 252}"
    for refused in ("gcr.io/docker-hub/x", "gcr.io/a", "sub-dom1.foo.com/" + "a" * 253):
        with pytest.raises(CannotHold, match="ECR cannot hold this repository"):
            map_reference(refused, TABLE_RULES, REGISTRY)
    with pytest.raises(CannotHold, match="the 'docker-hub' rule wins"):
        map_reference("gcr.io/docker-hub/x", TABLE_RULES, REGISTRY)


def test_uri_exits_2_exactly_for_what_docker_refuses(tmp_path):
    """One uri run over the whole table: an invalid reference has no normalized form (exit 2); every valid one is
    mapped or reported (uncovered)."""
    references = [v.written for v in VALID] + [w for w, _ in INVALID if w]
    args = parser().parse_args(
        ["uri", "--config", write_config(tmp_path), "--registry", REGISTRY, "--output", "json", "--", *references]
    )
    out, err = io.StringIO(), io.StringIO()
    assert args.func(args, out, err) == 2
    results = {r["reference"]: r for r in json.loads(out.getvalue())}
    for case in VALID:
        assert results[case.written]["normalized"] == str(Reference(case.domain, case.path, case.tag, case.digest))
    for written, _ in INVALID:
        if written:
            assert results[written]["normalized"] is None and results[written]["error"]
