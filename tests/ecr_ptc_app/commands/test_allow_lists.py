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
