"""The day-two commands respect a rule's allow and deny lists: `warm` refuses before any call, `doctor --image`
says which list refuses an image."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ecr_ptc_app.cli import main
from ecr_ptc_app.config import load_config
from ecr_ptc_app.doctor import context, images
from ecr_ptc_app.doctor.lists import image_refusal, probe_name
from ecr_ptc_runtime import ecr

CONFIG = """\
rules:
  - upstream: docker-hub
    credentials: {secretName: ecr-pullthroughcache/docker-hub}
    allow: [library/*, bitnami/postgresql]
    deny: [library/busybox]
  - upstream: quay
    prefix: mirror
    upstreamPrefix: prometheus
    allow: [prometheus/node-exporter]
  - upstream: ecr-public
"""


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "cache.yaml"
    path.write_text(CONFIG)
    return str(path)


def run(*argv: str, capsys) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("image", "says"),
    [
        ("docker-hub/library/busybox:1", "rules[prefix=docker-hub].deny ('library/busybox')"),
        ("docker-hub/bitnami/redis:7", "'bitnami/redis' is not in rules[prefix=docker-hub].allow"),
        ("mirror/prometheus:v3", "'prometheus/prometheus' is not in rules[prefix=mirror].allow"),
    ],
)
def test_warm_refuses_a_disallowed_image_before_any_call(config, monkeypatch, capsys, image, says):
    def no_call(*_a, **_k):
        raise AssertionError("warm called AWS for an image the lists refuse")

    monkeypatch.setattr(ecr, "client", no_call)
    code, out, err = run("warm", "--config", config, "ecr-public/nginx/nginx:1", image, capsys=capsys)
    assert code == 2 and out == ""
    assert says in err and "\n  Fix: " in err and "allow list" in err
    assert "ecr-public/nginx/nginx" not in err  # only the refused image is named


def test_doctor_says_which_list_refuses(config):
    rules = {r.prefix: r for r in load_config(config).rules}
    denied = image_refusal(rules["docker-hub"], "docker-hub/library/busybox")
    assert denied is not None and "deny" in denied[0] and "'library/busybox'" in denied[1]
    missed = image_refusal(rules["mirror"], "mirror/alertmanager")
    assert missed is not None and "prometheus/node-exporter" in missed[0] and "allow list" in missed[1]
    assert image_refusal(rules["docker-hub"], "docker-hub/library/nginx") is None
    assert image_refusal(rules["ecr-public"], "ecr-public/anything/at/all") is None


def test_doctor_image_reports_the_refusal_without_asking_ecr(config):
    checks: list = []

    class Ctx(SimpleNamespace):
        def add(self, area, subject, status, message, fix=None):
            checks.append((area, subject, status, message, fix))

    ctx = Ctx(config=load_config(config), registry="123456789012.dkr.ecr.eu-west-1.amazonaws.com", aws=None)
    images.check_image(ctx, "busybox:1.36")  # Docker Hub's library/busybox, mapped to docker-hub/
    images.check_image(ctx, "quay.io/prometheus/alertmanager:v0.27")
    assert [(c[0], c[1], c[2]) for c in checks] == [
        ("image", "busybox:1.36", context.PROBLEM),
        ("image", "quay.io/prometheus/alertmanager:v0.27", context.PROBLEM),
    ]
    assert "deny" in checks[0][3] and "allow" in checks[1][3]


def test_validate_refuses_a_bad_pattern_with_a_fix(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(CONFIG.replace("library/busybox", "Library/BusyBox"))
    code, out, err = run("validate", str(path), capsys=capsys)
    assert code == 2 and "rules[0].deny[0]" in err and "Fix:" in err and "Traceback" not in err


def test_doctor_simulates_a_name_the_lists_let_in(config):
    rules = {r.prefix: r for r in load_config(config).rules}
    probe = "ecr-ptc-doctor-probe"
    assert image_refusal(rules["docker-hub"], "docker-hub/" + (name := _probe(rules["docker-hub"], probe))) is None
    assert name == f"library/{probe}"
    assert _probe(rules["mirror"], probe) == "node-exporter"  # the upstream prefix is not in the cache name
    assert _probe(rules["ecr-public"], probe) == probe  # no allow list: the default


def _probe(rule, default):
    return probe_name(rule, default)


REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"


def test_uri_reports_a_disallowed_reference_as_not_allowed(config, capsys):
    code, out, err = run(
        "uri", "--config", config, "--registry", REGISTRY, "nginx:1.27", "busybox", "bitnami/redis", capsys=capsys
    )
    assert code == 1
    assert out.splitlines() == [f"{REGISTRY}/docker-hub/library/nginx:1.27"]
    assert "busybox: not allowed: 'library/busybox' is refused by rules[prefix=docker-hub].deny" in err
    assert "bitnami/redis: not allowed: 'bitnami/redis' is not in rules[prefix=docker-hub].allow" in err
    assert err.count("Fix: ") == 2


def test_rewrite_leaves_a_disallowed_reference_as_written(config, tmp_path, capsys):
    pod = tmp_path / "pod.yaml"
    pod.write_text("spec:\n  containers:\n  - name: a\n    image: busybox:1.36\n  - name: b\n    image: nginx:1.27\n")
    code, out, err = run("rewrite", "--config", config, "--registry", REGISTRY, str(pod), capsys=capsys)
    assert code == 1
    assert f"+    image: {REGISTRY}/docker-hub/library/nginx:1.27" in out and "-    image: busybox" not in out
    assert "busybox:1.36: not allowed:" in err and "1 reference(s) the rules' allow/deny lists refuse" in err
    code, _, err = run("rewrite", "--config", config, "--registry", REGISTRY, "--in-place", str(pod), capsys=capsys)
    assert "image: busybox:1.36\n" in pod.read_text()  # the refused one, byte for byte


def test_kyverno_patterns_leave_what_the_lists_refuse_and_no_later_rule_takes_it(config):
    from ecr_ptc.cache.rules import UpstreamRule
    from ecr_ptc_runtime.mapping import map_reference
    from ecr_ptc_runtime.patterns import rewrite_patterns
    from tests.ecr_ptc_runtime.kyverno_re2 import admit

    rules = [
        *load_config(config).rules,
        UpstreamRule.quay(prefix="quay-all"),  # covers quay.io/prometheus/... too, after the mirror rule
    ]
    patterns = rewrite_patterns(rules, REGISTRY)
    assert admit(patterns, "nginx:1.27") == f"{REGISTRY}/docker-hub/library/nginx:1.27"
    assert admit(patterns, "docker.io/library/busybox:1") is None  # deny
    assert admit(patterns, "bitnami/redis:7") is None  # not in allow
    assert admit(patterns, "quay.io/prometheus/node-exporter:v1") == f"{REGISTRY}/mirror/node-exporter:v1"
    assert admit(patterns, "quay.io/prometheus/alertmanager:v1") is None  # the mirror rule claims it, and refuses
    assert map_reference("quay.io/prometheus/alertmanager:v1", rules, REGISTRY).prefix == "mirror"
    assert admit(patterns, "quay.io/grafana/grafana:11") == f"{REGISTRY}/quay-all/grafana/grafana:11"


def test_the_kyverno_policy_checks_the_lists_on_the_rewritten_image(config):
    from ecr_ptc_app.kyverno import cluster_policy

    policy = cluster_policy(load_config(config).rules, REGISTRY, config)
    keys = [
        c["key"]
        for rule in policy["spec"]["rules"]
        for e in rule["mutate"]["foreach"]
        for c in e["preconditions"]["all"]
    ]
    assert any("regex_match('(?:^" in k and "regex_replace_all(" in k and "library/[^:@]*" in k for k in keys)
    assert any("library/busybox" in k and "regex_replace_all(" in k for k in keys)
