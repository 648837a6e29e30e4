"""`ecr-ptc warm --from` without a registry: usage errors (each with a Fix: line), what is read from a file,
and the ECR client that names the hub's registry on every call."""

from __future__ import annotations

import io

import boto3
import pytest
from botocore.stub import Stubber

from ecr_ptc_app.cli import parser
from ecr_ptc_app.config import load_config
from ecr_ptc_app.rewrite.engine import image_references
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
        f"ecr-ptc warm: error: --from: cannot read {bad}: not YAML: line 2, column 1: did not find expected node "
        f"content (while parsing a flow node)\n{FIX} (UTF-8 YAML; render Helm templates first: helm template)\n"
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
    "tag, rendered",
    [('"1.10"', "1.10"), ("1.10", "1.1"), ("1.27", "1.27"), ("8", "8"), ('""', ""), ("null", ""), (None, "")],
)
def test_a_helm_maps_tag_is_read_as_the_chart_renders_it(config, tag, rendered):
    values = "image:\n  registry: docker.io\n  repository: bitnami/redis\n" + (f"  tag: {tag}\n" if tag else "")
    found = image_references(values, load_config(config).rules, SCAN_REGISTRY)
    assert [(f.status, f.written, f.tag) for f in found] == [("covered", "docker.io/bitnami/redis", rendered)]


def test_a_reference_written_whole_has_no_map_tag(config):
    found = image_references("image: nginx:1.27\n", load_config(config).rules, SCAN_REGISTRY)
    assert [(f.status, f.written, f.tag) for f in found] == [("covered", "nginx:1.27", None)]


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


def test_kustomize_overrides_are_listed_not_warmed(config, tmp_path):
    from ecr_ptc_app.warm_from import read, select

    (tmp_path / "app.yaml").write_text("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: nginx:1.27\n")
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [app.yaml]\nimages:\n- {name: nginx, newName: quay.io/acme/nginx, newTag: 1.27.1}\n"
    )
    scanned = read(
        [str(tmp_path / "app.yaml"), str(tmp_path / "kustomization.yaml")], load_config(config), io.StringIO()
    )
    selection = select(scanned, load_config(config), ())
    assert [str(i) for i in selection.images] == ["docker-hub/library/nginx:1.27"]
    why = (
        "a Kustomize images: override (its newTag or digest applies to the bases' images): warm the image it gives "
        "by name"
    )
    kustomization = tmp_path / "kustomization.yaml"
    assert selection.left_out == [
        f"{kustomization}:3: nginx: {why}",
        f"{kustomization}:3: quay.io/acme/nginx: {why}",
    ]


@pytest.mark.parametrize(
    "values, written, tag",
    [
        (  # Bitnami: a global registry before every image
            "global: {imageRegistry: docker.io}\nimage: {registry: docker.io, repository: bitnami/redis, tag: '7.4'}\n",
            "docker.io/bitnami/redis",
            "7.4",
        ),
        (  # cert-manager: imageRegistry + imageNamespace + name
            "imageRegistry: quay.io\nimageNamespace: jetstack\nimage: {name: cert-manager-controller, tag: v1.15.3}\n",
            "quay.io/jetstack/cert-manager-controller",
            "v1.15.3",
        ),
    ],
)
def test_a_shared_registry_keeps_each_maps_tag(config, values, written, tag):
    found = image_references(values, load_config(config).rules, SCAN_REGISTRY)
    assert [(f.written, f.tag) for f in found] == [(written, tag)]


def test_a_reference_a_rules_allow_list_refuses_is_listed_not_warmed(tmp_path):
    from ecr_ptc_app.warm_from import read, select

    (tmp_path / "cache.yaml").write_text(
        "rules:\n  - upstream: docker-hub\n    credentials: {secretName: ecr-pullthroughcache/docker-hub}\n"
        "    allow: ['library/*']\n"
    )
    pod = tmp_path / "pod.yaml"
    pod.write_text(
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: nginx:1.27\n  - image: bitnami/redis:7.4\n"
    )
    config = load_config(str(tmp_path / "cache.yaml"))
    selection = select(read([str(pod)], config, io.StringIO()), config, ())
    assert [str(i) for i in selection.images] == ["docker-hub/library/nginx:1.27"]
    assert selection.left_out == [
        f"{pod}:6: bitnami/redis:7.4: not allowed into the cache: 'bitnami/redis' is not in rules[prefix=docker-hub].allow"
    ]
