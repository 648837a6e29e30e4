"""`ecr-ptc uri`: references -> cache URIs from the config's rules; `--kyverno` prints the same mapping as a
ClusterPolicy, checked here by running its regular expressions the way Kyverno would."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys

import boto3
import pytest
import re2
import yaml
from botocore.stub import Stubber

from ecr_ptc_app.cli import parser

from .workload_config import DIGEST, REGISTRY, uri, write_config


@pytest.fixture
def config(tmp_path):
    return write_config(tmp_path)


def run_uri(*argv: str) -> tuple[int, str, str]:
    args = parser().parse_args(["uri", *argv])
    out, err = io.StringIO(), io.StringIO()
    code = args.func(args, out, err)
    return code, out.getvalue(), err.getvalue()


CASES = [
    ("nginx", uri("docker-hub/library/nginx:latest")),
    ("docker.io/library/nginx:1.27", uri("docker-hub/library/nginx:1.27")),
    ("index.docker.io/library/nginx:1.27", uri("docker-hub/library/nginx:1.27")),
    ("grafana/grafana:11.1.0", uri("docker-hub/grafana/grafana:11.1.0")),
    ("bitnami/postgresql:16", uri("bitnami/postgresql:16")),
    ("quay.io/prometheus/prometheus", uri("team/quay/prometheus/prometheus:latest")),
    ("registry.k8s.io/pause:3.10", uri("k8s/pause:3.10")),
    ("public.ecr.aws/nginx/nginx:1.27", uri("ecr-public/nginx/nginx:1.27")),
    (f"ghcr.io/org/app@{DIGEST}", uri(f"ghcr/org/app@{DIGEST}")),
    ("myteam.azurecr.io/base/dotnet:8.0", uri("azure/base/dotnet:8.0")),
    ("210987654321.dkr.ecr.us-east-1.amazonaws.com/golden/base:2", uri("central/base:2")),
]


def test_every_reference_maps_one_uri_per_line_in_order(config):
    code, out, err = run_uri("--config", config, "--registry", REGISTRY, *[ref for ref, _ in CASES])
    assert code == 0, err
    assert out.splitlines() == [expected for _, expected in CASES]
    assert f"ghcr.io/org/app@{DIGEST}: pinned by digest" in err and "ecr-ptc warm ghcr/org/app:<tag>" in err


def test_a_reference_no_rule_covers_is_reported_not_guessed(config):
    code, out, err = run_uri("--config", config, "--registry", REGISTRY, "nginx", "mcr.microsoft.com/dotnet/runtime")
    assert code == 1
    assert out.splitlines() == [uri("docker-hub/library/nginx:latest")]  # nothing printed for the other
    assert "mcr.microsoft.com/dotnet/runtime: no cache rule covers mcr.microsoft.com" in err
    assert "Fix:" in err


def test_a_rule_for_the_host_that_does_not_cover_the_path_says_so(config):
    code, _, err = run_uri(
        "--config", config, "--registry", REGISTRY, "210987654321.dkr.ecr.us-east-1.amazonaws.com/x/y"
    )
    assert code == 1
    assert "cover only their upstream prefix: central (210987654321.dkr.ecr.us-east-1.amazonaws.com/golden/...)" in err


def test_a_host_with_a_known_upstream_gets_the_rule_to_add(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("rules:\n  - upstream: quay\n")
    code, _, err = run_uri("--config", str(path), "--registry", REGISTRY, "ghcr.io/org/app:1")
    assert code == 1 and f"Fix: add a rule {{upstream: github-container-registry}} to {path}" in err


def test_an_invalid_reference_is_bad_input(config):
    code, out, err = run_uri("--config", config, "--registry", REGISTRY, "nginx", "Docker.io/Nginx")
    assert code == 2
    assert "lower case" in err and "Fix: write it as [registry/]repository[:tag][@digest]" in err


def test_json_output(config):
    code, out, _ = run_uri(
        "--config", config, "--registry", REGISTRY, "--output", "json", "nginx:1", f"ghcr.io/o/a@{DIGEST}", "gcr.io/x"
    )
    assert code == 1
    results = json.loads(out)
    assert [r["uri"] for r in results] == [uri("docker-hub/library/nginx:1"), uri(f"ghcr/o/a@{DIGEST}"), None]
    assert results[0] == {
        "reference": "nginx:1",
        "normalized": "docker.io/library/nginx:1",
        "uri": uri("docker-hub/library/nginx:1"),
        "rule": "docker-hub",
        "repository": "docker-hub/library/nginx",
        "warnings": [],
        "error": None,
    }
    assert results[1]["warnings"] and "no cache rule covers gcr.io" in results[2]["error"]


@pytest.mark.parametrize(
    "argv, message",
    [
        ([], "no REF given"),
        (["--kyverno", "nginx"], "--kyverno takes no REF"),
        (["--registry", "quay.io", "nginx"], "is not a private ECR registry host"),
    ],
)
def test_usage_errors(config, argv, message):
    code, _, err = run_uri("--config", config, *argv)
    assert code == 2 and message in err


def test_a_bad_config_is_bad_input(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("rules: []\n")
    code, _, err = run_uri("--config", str(path), "--registry", REGISTRY, "nginx")
    assert code == 2 and "error:" in err and "add at least one rule" in err
    assert err.count("Fix: ") == 1, err  # the mistake's own fix, not a second generic one


def test_a_missing_config_says_one_fix(tmp_path):
    code, _, err = run_uri("--config", str(tmp_path / "missing.yaml"), "--registry", REGISTRY, "nginx")
    assert code == 2 and "no such file" in err and err.count("Fix: ") == 1, err


def test_a_registry_given_with_https_and_slash_is_read_as_its_host(config):
    code, out, _ = run_uri("--config", config, "--registry", f"https://{REGISTRY}/", "nginx:1")
    assert code == 0 and out.strip() == uri("docker-hub/library/nginx:1")


def test_a_registry_outside_the_configs_environments_warns(config):
    other = "999999999999.dkr.ecr.us-east-2.amazonaws.com"
    code, out, err = run_uri("--config", config, "--registry", other, "nginx:1")
    assert code == 0 and out.strip() == f"{other}/docker-hub/library/nginx:1"
    assert "deploys the cache to 123456789012/eu-west-1, not to 999999999999/us-east-2" in err


@pytest.fixture
def sts(monkeypatch):
    """The credentials' account from sts:GetCallerIdentity (Stubber), the Region from AWS_REGION."""
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("sts", region_name="eu-west-1")
    stubber = Stubber(client)
    monkeypatch.setattr(boto3.session.Session, "client", lambda self, name, **kw: client)
    with stubber:
        yield stubber


def test_without_registry_the_credentials_account_and_region_name_it(config, sts):
    sts.add_response(
        "get_caller_identity", {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/me", "UserId": "X"}
    )
    code, out, err = run_uri("--config", config, "registry.k8s.io/pause:3.10")
    assert code == 0, err and out.strip() == uri("k8s/pause:3.10")
    sts.assert_no_pending_responses()


def test_without_registry_or_credentials_says_what_to_give(config, sts):
    sts.add_client_error("get_caller_identity", "ExpiredToken", "The security token included in the request is expired")
    code, _, err = run_uri("--config", config, "nginx")
    assert code == 2
    assert "cannot tell the cache registry" in err and "Fix: give --registry <account>.dkr.ecr" in err


# --- the Kyverno policy ----------------------------------------------------------------------------
_RAW = r"'((?:\\'|[^'])*)'"  # a JMESPath raw string literal


def _raw(text: str) -> str:
    return text.replace("\\'", "'")


def kyverno_rewrite(policy: dict, image: str, field: str = "containers") -> str:
    """What Kyverno does to one container's image: each rule in order, each foreach entry of the container's
    list whose preconditions hold applies its regex_replace_all (Go's $1 is Python's \\1), with RE2 semantics (Go's
    regexp is RE2: the google-re2 bindings)."""
    for rule in policy["spec"]["rules"]:
        for entry in rule["mutate"]["foreach"]:
            patched = entry["patchStrategicMerge"]["spec"]
            if field not in patched:
                continue
            holds = True
            for condition in entry["preconditions"]["all"]:
                pattern = _raw(
                    re.fullmatch(r"\{\{ regex_match\(" + _RAW + r", element\.image\) \}\}", condition["key"])[1]
                )
                assert condition["operator"] == "Equals"
                holds &= bool(re2.search(pattern, image)) == condition["value"]
            if not holds:
                continue
            match = re.fullmatch(
                r"\{\{ regex_replace_all\(" + _RAW + r", element\.image, " + _RAW + r"\) \}\}",
                patched[field][0]["image"],
            )
            assert patched[field][0]["name"] == "{{ element.name }}"
            image = re2.sub(_raw(match[1]), _raw(match[2]).replace("$1", r"\1"), image)
    return image


@pytest.fixture
def policy(config):
    code, out, err = run_uri("--config", config, "--registry", REGISTRY, "--kyverno")
    assert code == 0, err
    assert out.startswith(f"# ecr-ptc uri --kyverno: generated from {config} for {REGISTRY}\n")
    assert "&id" not in out and "*id" not in out  # no YAML anchors: every rule spelt out
    return yaml.safe_load(out)


def test_kyverno_policy_rewrites_as_the_mapping_does(config, policy):
    """Every reference of the table, in each container list: the policy's result is the mapping's URI as written
    (no tag invented), and a rewritten image is left alone."""
    from ecr_ptc_app.config import load_config
    from ecr_ptc_runtime.mapping import map_reference

    rules = load_config(config).rules
    refs = [ref for ref, _ in CASES] + ["nginx:1.27@" + DIGEST, "library/busybox", "docker.io/bitnami/redis:7"]
    for written in refs:
        expected = map_reference(written, rules, REGISTRY).uri
        for field in ("containers", "initContainers", "ephemeralContainers"):
            assert kyverno_rewrite(policy, written, field) == expected, (written, field)
        assert kyverno_rewrite(policy, expected) == expected


@pytest.mark.parametrize(
    "image",
    [
        "mcr.microsoft.com/dotnet/runtime:8.0",
        "localhost/app:1",
        "localhost:5000/app",
        uri("k8s/pause:3.10"),
        "nginx:" + "a" * 129,  # tags have 128 characters at most
        "nginx@sha256:" + "0" * 63,
        "nginx:1.27\n",  # RE2's $ is the end of the text
        "0123456789abcdef" * 4,  # a 64-hex name is an image id
        "quay.io/" + "a" * 250,  # team/quay/ + 250: longer than ECR's 256
    ],
)
def test_kyverno_policy_leaves_what_no_rule_covers(policy, image):
    assert kyverno_rewrite(policy, image) == image


def test_kyverno_policy_shape(policy):
    assert policy["apiVersion"] == "kyverno.io/v1" and policy["kind"] == "ClusterPolicy"
    annotations = policy["metadata"]["annotations"]
    assert annotations["pod-policies.kyverno.io/autogen-controllers"] == "none"  # Pods, not their controllers
    assert policy["spec"]["background"] is False
    rules = policy["spec"]["rules"]
    names = [r["name"] for r in rules]
    assert len(set(names)) == len(names) and all(len(n) <= 63 for n in names)
    # one rule per cache rule; an upstream prefix is tried before the rule for the whole registry
    assert names.index("cache-bitnami") < names.index("cache-docker-hub")
    assert len(rules) == 8
    for rule in rules:
        assert rule["match"] == {"any": [{"resources": {"kinds": ["Pod"], "operations": ["CREATE"]}}]}
        lists = [e["list"] for e in rule["mutate"]["foreach"]]
        assert (
            lists.count("request.object.spec.containers")
            == lists.count("request.object.spec.initContainers || `[]`")
            == lists.count("request.object.spec.ephemeralContainers || `[]`")
            >= 1
        )


def test_uri_and_rewrite_do_not_start_the_cdk(config, tmp_path):
    manifest = tmp_path / "pod.yaml"
    manifest.write_text("spec:\n  containers:\n  - {name: a, image: nginx}\n")
    code = (
        "import sys\nfrom ecr_ptc_app.cli import main\n"
        f"assert main(['uri', '--config', {config!r}, '--registry', {REGISTRY!r}, 'nginx']) == 0\n"
        f"assert main(['uri', '--config', {config!r}, '--registry', {REGISTRY!r}, '--kyverno']) == 0\n"
        f"assert main(['rewrite', '--config', {config!r}, '--registry', {REGISTRY!r}, {str(manifest)!r}]) == 1\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'jsii', 'constructs', 'boto3')]\n"
        "assert not loaded, loaded\n"
    )
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr


ROOT_CONFIG = """\
rules:
  - {upstream: quay, prefix: ROOT}
  - {upstream: k8s, prefix: hub}
"""


def test_a_root_rule_beside_a_prefix_warns_in_validate_and_uri_names_the_rule_that_wins(tmp_path):
    config = tmp_path / "root.yaml"
    config.write_text(ROOT_CONFIG)
    args = parser().parse_args(["validate", str(config)])
    out, err = io.StringIO(), io.StringIO()
    assert args.func(args, out, err) == 0
    assert (
        "the ROOT rule (quay) caches upstream paths 1:1, but ECR pulls names under hub/"
        in out.getvalue() + err.getvalue()
    )
    code, out, err = run_uri("--config", str(config), "--registry", REGISTRY, "quay.io/hub/x", "quay.io/a/b")
    assert code == 1
    assert out.splitlines() == [uri("a/b:latest")]
    assert "ECR cannot hold this repository: 'quay.io/hub/x' would be cached as 'hub/x'" in err
    assert "the 'hub' rule wins" in err and "Fix:" in err


def test_valid_references_ecr_cannot_hold_exit_1_not_2(config):
    long = "quay.io/" + "a" * 250  # valid for Docker (a 250-character path); team/quay/ makes it 260 for ECR
    code, out, err = run_uri("--config", config, "--registry", REGISTRY, long)
    assert (code, out) == (1, "")
    assert "ECR cannot hold this repository" in err and "write it as" not in err


def test_hosts_compare_case_insensitively_and_moved_registries_are_named(config):
    code, out, err = run_uri("--config", config, "--registry", REGISTRY, "Quay.IO/prometheus/prometheus:v3")
    assert (code, out) == (0, uri("team/quay/prometheus/prometheus:v3") + "\n"), err
    code, _, err = run_uri("--config", config, "--registry", REGISTRY, "k8s.gcr.io/pause:3.9")
    assert code == 1
    assert "moved to registry.k8s.io" in err and "Fix: write it as registry.k8s.io/pause:3.9" in err


@pytest.mark.parametrize("written", [" nginx", "nginx ", "nginx:1.27\n", "0123456789abcdef" * 4])
def test_nothing_is_trimmed_and_64_hex_names_are_refused(config, written):
    code, out, err = run_uri("--config", config, "--registry", REGISTRY, "--", written)
    assert (code, out) == (2, "")
    assert "white space around it" in err or "64 hexadecimal characters" in err
