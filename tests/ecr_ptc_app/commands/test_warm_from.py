"""`ecr-ptc warm --from` without a registry: usage errors (each with a Fix: line), what is read from a file,
and the ECR client that names the hub's registry on every call."""

from __future__ import annotations

import io

import boto3
import pytest
from botocore.stub import Stubber

from ecr_ptc_app.cli import parser
from ecr_ptc_app.config import load_config
from ecr_ptc_app.manifests import plan
from ecr_ptc_app.warm_from import SCAN_REGISTRY, InRegistry

from .workload_config import REGISTRY, write_config

FIX = "  Fix: give Kubernetes manifests, Helm values or Compose files (*.yaml, *.yml), or directories of them"


def run(*argv: str) -> tuple[int, str, str]:
    args = parser().parse_args(list(argv))
    out, err = io.StringIO(), io.StringIO()
    return args.func(args, out, err), out.getvalue(), err.getvalue()


@pytest.fixture
def config(tmp_path):
    return write_config(tmp_path)


def test_a_path_that_does_not_exist_is_a_usage_error(config, tmp_path):
    missing = tmp_path / "k8s"
    code, out, err = run("warm", "--config", config, "--from", str(tmp_path / "cache.yaml"), str(missing))
    assert (code, out) == (2, "")
    assert err == f"ecr-ptc warm: error: --from {missing}: no such file or directory\n{FIX}\n"


def test_a_file_that_is_not_yaml_is_a_usage_error_before_any_warming(config, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("containers: [\n")
    code, out, err = run("warm", "--config", config, "--from", str(bad))
    assert (code, out) == (2, "")
    assert err == (
        f"ecr-ptc warm: error: --from: cannot read {bad}: not YAML: line 2, column 1: expected the node content, "
        f"but found '<stream end>' (while parsing a flow node)\n{FIX} (UTF-8 YAML; render Helm templates first: helm template)\n"
    )


@pytest.mark.parametrize("content", [None, "apiVersion: v1\nkind: ConfigMap\ndata: {key: value}\n"])
def test_no_image_reference_is_a_usage_error(config, tmp_path, content):
    folder = tmp_path / "k8s"
    folder.mkdir()
    if content is not None:
        (folder / "cm.yaml").write_text(content)
    files, where = (1, folder / "cm.yaml") if content else (0, "the files given")
    code, out, err = run("warm", "--config", config, "--registry", "http://127.0.0.1:9", "--from", str(folder))
    assert (code, out) == (2, "")
    assert err == (
        f"ecr-ptc warm: 0 image(s) to warm from 0 reference(s) in {files} file(s), 0 left out\n"
        f"ecr-ptc warm: error: --from: no image reference in {where}\n{FIX}\n"
    )


def test_nothing_a_rule_covers_is_a_usage_error_listing_why(config, tmp_path):
    pod = tmp_path / "pod.yaml"
    pod.write_text("spec:\n  containers:\n  - image: mcr.microsoft.com/dotnet/runtime:8.0\n")
    code, out, err = run("warm", "--config", config, "--registry", "http://127.0.0.1:9", "--from", str(pod))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"ecr-ptc warm: not warmed: {pod}:3: mcr.microsoft.com/dotnet/runtime:8.0: no cache rule covers "
        "mcr.microsoft.com; no ECR upstream serves mcr.microsoft.com: pull it from there, or copy it into a "
        "repository of your own",
        "ecr-ptc warm: 0 image(s) to warm from 1 reference(s) in 1 file(s), 1 left out",
        f"ecr-ptc warm: error: --from: none of the 1 image reference(s) in {pod} can be warmed (the lines above "
        "say why)",
        f"  Fix: add a rule for each registry named above to {config}, or write a tag where there is none",
    ]


@pytest.mark.parametrize(
    "tag, helm_tag",
    [('"1.10"', "1.10"), ("1.10", "1.1"), ("1.27", "1.27"), ("8", "8"), ('""', ""), ("null", ""), (None, "")],
)
def test_a_helm_maps_tag_is_read_as_the_chart_renders_it(config, tag, helm_tag):
    values = "image:\n  registry: docker.io\n  repository: bitnami/redis\n" + (f"  tag: {tag}\n" if tag else "")
    notes = plan(values, load_config(config).rules, SCAN_REGISTRY).notes
    assert [(n.kind, n.written, n.helm_tag) for n in notes] == [("change", "docker.io/bitnami/redis", helm_tag)]


def test_a_reference_written_whole_has_no_helm_tag(config):
    notes = plan("image: nginx:1.27\n", load_config(config).rules, SCAN_REGISTRY).notes
    assert [(n.kind, n.written, n.helm_tag) for n in notes] == [("change", "nginx:1.27", None)]


def test_rewrite_warm_with_nothing_rewritten_warms_nothing(config, tmp_path):
    app = tmp_path / "app.yaml"
    app.write_text(f"image: {REGISTRY}/docker-hub/library/nginx:1.27\n")
    code, out, err = run("rewrite", "--config", config, "--registry", REGISTRY, "--warm", str(app))
    assert (code, out) == (0, "")
    assert err.splitlines()[-1] == "ecr-ptc rewrite: 0 image(s) to warm from 0 reference(s) in 0 file(s), 0 left out"


def test_the_hub_client_names_the_hub_registry_on_every_call_that_takes_one(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    api = boto3.client("ecr", region_name="eu-west-1")
    hub = InRegistry(api, "111111111111")
    with Stubber(api) as stub:
        stub.add_response("get_authorization_token", {"authorizationData": []}, {})
        stub.add_response(
            "describe_repositories",
            {"repositories": []},
            {"registryId": "111111111111", "repositoryNames": ["k8s/pause"]},
        )
        stub.add_response(
            "describe_pull_through_cache_rules", {"pullThroughCacheRules": []}, {"registryId": "111111111111"}
        )
        hub.get_authorization_token()
        hub.describe_repositories(repositoryNames=["k8s/pause"])
        assert list(hub.get_paginator("describe_pull_through_cache_rules").paginate()) == [
            {"pullThroughCacheRules": []}
        ]
        stub.assert_no_pending_responses()
    assert hub.meta is api.meta and hub.exceptions is api.exceptions
