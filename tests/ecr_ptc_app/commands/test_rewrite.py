"""`ecr-ptc rewrite`: manifests, Helm values and Compose files taken through it and compared with what they must
become, byte for byte (comments, quoting, flow style, anchors, line endings kept); twice changes nothing."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from ecr_ptc_app.cli import parser

from .workload_config import DIGEST, REGISTRY, write_config

R = REGISTRY


@pytest.fixture
def config(tmp_path):
    return write_config(tmp_path)


def run_rewrite(config: str, *argv: str) -> tuple[int, str, str]:
    args = parser().parse_args(["rewrite", "--config", config, "--registry", REGISTRY, *argv])
    out, err = io.StringIO(), io.StringIO()
    code = args.func(args, out, err)
    return code, out.getvalue(), err.getvalue()


WORKLOADS = """\
# Every workload kind, with comments that must survive.
apiVersion: v1
kind: Pod
metadata: {name: solo}   # flow style
spec:
  initContainers:
  - name: init
    image: busybox:1.36   # pinned
  containers:
  - name: app
    image: "nginx:1.27"
  - {name: metrics, image: 'quay.io/prometheus/node-exporter:v1.8.2'}
  ephemeralContainers:
  - name: debug
    image: docker.io/library/alpine:3.20
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: registry.k8s.io/ingress-nginx/controller:v1.11.2@%(digest)s
        - name: dotnet
          image: mcr.microsoft.com/dotnet/runtime:8.0   # no rule: left as it is
---
apiVersion: apps/v1
kind: StatefulSet
spec:
  template:
    spec:
      containers: [{name: db, image: bitnami/postgresql:16}]
---
apiVersion: apps/v1
kind: DaemonSet
spec:
  template:
    spec:
      containers:
      - name: agent
        image: public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.2
---
apiVersion: batch/v1
kind: Job
spec:
  template:
    spec:
      containers:
      - name: once
        image: ghcr.io/org/tool@%(digest)s
---
apiVersion: batch/v1
kind: CronJob
spec:
  jobTemplate:
    spec:
      template:
        spec:
          initContainers:
          - name: wait
            image: &shared grafana/k6:0.52.0
          containers:
          - name: run
            image: *shared
          - name: cached
            image: %(registry)s/k8s/pause:3.10
""" % {"digest": DIGEST, "registry": R}

WORKLOADS_REWRITTEN = """\
# Every workload kind, with comments that must survive.
apiVersion: v1
kind: Pod
metadata: {name: solo}   # flow style
spec:
  initContainers:
  - name: init
    image: %(r)s/docker-hub/library/busybox:1.36   # pinned
  containers:
  - name: app
    image: "%(r)s/docker-hub/library/nginx:1.27"
  - {name: metrics, image: '%(r)s/team/quay/prometheus/node-exporter:v1.8.2'}
  ephemeralContainers:
  - name: debug
    image: %(r)s/docker-hub/library/alpine:3.20
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: %(r)s/k8s/ingress-nginx/controller:v1.11.2@%(digest)s
        - name: dotnet
          image: mcr.microsoft.com/dotnet/runtime:8.0   # no rule: left as it is
---
apiVersion: apps/v1
kind: StatefulSet
spec:
  template:
    spec:
      containers: [{name: db, image: %(r)s/bitnami/postgresql:16}]
---
apiVersion: apps/v1
kind: DaemonSet
spec:
  template:
    spec:
      containers:
      - name: agent
        image: %(r)s/ecr-public/aws-observability/aws-for-fluent-bit:2.32.2
---
apiVersion: batch/v1
kind: Job
spec:
  template:
    spec:
      containers:
      - name: once
        image: %(r)s/ghcr/org/tool@%(digest)s
---
apiVersion: batch/v1
kind: CronJob
spec:
  jobTemplate:
    spec:
      template:
        spec:
          initContainers:
          - name: wait
            image: &shared %(r)s/docker-hub/grafana/k6:0.52.0
          containers:
          - name: run
            image: *shared
          - name: cached
            image: %(r)s/k8s/pause:3.10
""" % {"digest": DIGEST, "r": R}

VALUES = """\
# Helm values: strings and repository/tag maps
image:
  registry: docker.io
  repository: bitnami/nginx
  tag: 1.27.0          # chart default
  digest: ""
  pullPolicy: IfNotPresent
controller:
  image:
    registry: registry.k8s.io
    image: ingress-nginx/controller
    tag: "v1.11.2"
sidecar:                 # not under an image key: a repository and tag of something else
  repository: grafana/grafana
  tag: 11.1.0
kubectlImage: 'bitnami/kubectl:1.31'
exporter:
  image:
    repository: quay.io/prometheus/statsd-exporter
  resources: {}
dependencies:
  - name: redis
    repository: https://charts.bitnami.com/bitnami
    version: 19.x
volumes:
  - name: models
    image: {reference: ghcr.io/org/models:v3, pullPolicy: IfNotPresent}
"""

VALUES_REWRITTEN = """\
# Helm values: strings and repository/tag maps
image:
  registry: %(r)s
  repository: bitnami/nginx
  tag: 1.27.0          # chart default
  digest: ""
  pullPolicy: IfNotPresent
controller:
  image:
    registry: %(r)s
    image: k8s/ingress-nginx/controller
    tag: "v1.11.2"
sidecar:                 # not under an image key: a repository and tag of something else
  repository: grafana/grafana
  tag: 11.1.0
kubectlImage: '%(r)s/bitnami/kubectl:1.31'
exporter:
  image:
    repository: %(r)s/team/quay/prometheus/statsd-exporter
  resources: {}
dependencies:
  - name: redis
    repository: https://charts.bitnami.com/bitnami
    version: 19.x
volumes:
  - name: models
    image: {reference: %(r)s/ghcr/org/models:v3, pullPolicy: IfNotPresent}
""" % {"r": R}

COMPOSE = """\
services:
  web:
    image: nginx:1.27
  app:
    build: .
    image: myorg/app:dev        # built here, not pulled
  cache:
    image: "redis:7.4-alpine"
"""

COMPOSE_REWRITTEN = """\
services:
  web:
    image: %(r)s/docker-hub/library/nginx:1.27
  app:
    build: .
    image: myorg/app:dev        # built here, not pulled
  cache:
    image: "%(r)s/docker-hub/library/redis:7.4-alpine"
""" % {"r": R}


@pytest.mark.parametrize(
    "name, before, after",
    [
        ("workloads.yaml", WORKLOADS, WORKLOADS_REWRITTEN),
        ("values.yaml", VALUES, VALUES_REWRITTEN),
        ("compose.yaml", COMPOSE, COMPOSE_REWRITTEN),
    ],
)
def test_files_become_what_they_must_and_a_second_run_changes_nothing(config, tmp_path, name, before, after):
    path = tmp_path / name
    path.write_text(before)
    code, diff, err = run_rewrite(config, "--in-place", str(path))
    assert code == 1, err
    assert path.read_text() == after
    assert diff == ""
    code, diff, err = run_rewrite(config, str(path))  # idempotent
    assert (code, diff) == (0, ""), err
    assert "0 reference(s) to rewrite in 0 file(s)" in err


def test_the_default_is_a_unified_diff_and_the_file_is_not_touched(config, tmp_path):
    path = tmp_path / "compose.yaml"
    path.write_text(COMPOSE)
    code, diff, err = run_rewrite(config, str(path))
    assert code == 1
    assert path.read_text() == COMPOSE
    assert diff.startswith(f"--- a/{path}\n+++ b/{path}\n@@ ")
    assert "-    image: nginx:1.27\n" in diff and f"+    image: {R}/docker-hub/library/nginx:1.27\n" in diff
    assert "myorg/app" not in "".join(line for line in diff.splitlines(True) if line[:1] in "+-")
    assert "2 reference(s) to rewrite in 1 file(s)" in err


def test_notes_name_file_line_and_reason(config, tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(WORKLOADS)
    code, _, err = run_rewrite(config, str(path))
    assert code == 1
    assert f"{path}:28: mcr.microsoft.com/dotnet/runtime:8.0: no cache rule covers mcr.microsoft.com" in err
    assert f"{path}:26: registry.k8s.io/ingress-nginx/controller:v1.11.2@{DIGEST}: pinned by digest" in err
    assert "1 reference(s) no rule covers" in err
    code, _, err = run_rewrite(config, "--quiet", str(path))
    assert "no cache rule covers" not in err.splitlines()[0]


def test_strict_counts_references_no_rule_covers(config, tmp_path):
    path = tmp_path / "pod.yaml"
    path.write_text("spec:\n  containers:\n  - {name: a, image: mcr.microsoft.com/dotnet/runtime:8.0}\n")
    assert run_rewrite(config, str(path))[0] == 0
    assert run_rewrite(config, "--strict", str(path))[0] == 1


def test_a_file_that_is_not_yaml_is_reported_and_left_while_the_others_are_done(config, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("spec:\n  containers: [\n")
    good = tmp_path / "good.yaml"
    good.write_text(COMPOSE)
    code, _, err = run_rewrite(config, "--in-place", str(bad), str(good))
    assert code == 2
    assert bad.read_text() == "spec:\n  containers: [\n"
    assert good.read_text() == COMPOSE_REWRITTEN
    assert f"error: {bad}: not YAML: line 3, column 1:" in err and "left untouched" in err


@pytest.mark.parametrize(
    "content, reason",
    [(b"image: \xff\xfe nginx\n", "utf-8"), (None, "No such file")],
)
def test_unreadable_files_are_errors(config, tmp_path, content, reason):
    path = tmp_path / "x.yaml"
    if content is not None:
        path.write_bytes(content)
    code, _, err = run_rewrite(config, str(path))
    assert code == 2 and reason in err


def test_comments_quoting_and_crlf_line_endings_survive(config, tmp_path):
    text = (
        "# top\r\n"
        "spec:  # why\r\n"
        "  containers:\r\n"
        "    - name: a\r\n"
        "      image:   'nginx'   # single-quoted, odd spacing\r\n"
        "    - name: b\r\n"
        '      image: !!str "quay.io/a/b:1"\r\n'
    )
    path = tmp_path / "crlf.yaml"
    path.write_bytes(text.encode())
    code, _, _ = run_rewrite(config, "--in-place", str(path))
    assert code == 1
    assert path.read_bytes().decode() == text.replace("'nginx'", f"'{R}/docker-hub/library/nginx'").replace(
        '"quay.io/a/b:1"', f'"{R}/team/quay/a/b:1"'
    )


def test_a_value_written_over_several_lines_is_left_with_a_note(config, tmp_path):
    text = "spec:\n  containers:\n  - name: a\n    image: >-\n      nginx\n  - name: b\n    image: redis\n"
    path = tmp_path / "block.yaml"
    path.write_text(text)
    code, diff, err = run_rewrite(config, str(path))
    assert code == 1
    assert f"{path}:4: nginx: written over several lines: left as it is; change it by hand to {R}" in err
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == ["-    image: redis", f"+    image: {R}/docker-hub/library/redis"]


def test_what_is_not_an_image_reference_is_left_alone(config, tmp_path):
    text = (
        "image: ''\n"
        "otherImage: '{{ .Values.image }}'\n"
        "numberImage: 16\n"
        "imagePullPolicy: Always\n"
        "name: nginx\n"
        "chart: {repository: https://example.com/charts, version: 1.0}\n"
    )
    path = tmp_path / "misc.yaml"
    path.write_text(text)
    code, diff, err = run_rewrite(config, str(path))
    assert (code, diff) == (0, "")
    assert f"{path}:2: {{{{ .Values.image }}}}: not an image reference, left as it is" in err
    assert err.count("not an image reference") == 1  # '' and 16 are no references at all
    assert path.read_text() == text


def test_directories_are_walked_for_yaml_without_helm_templates_or_hidden_folders(config, tmp_path):
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 1.0.0\n")
    (chart / "values.yaml").write_text("image: nginx:1\n")
    (chart / "templates" / "deploy.yaml").write_text("image: {{ .Values.image }}\n")  # not YAML until rendered
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.yaml").write_text("image: redis\n")
    (tmp_path / "notes.txt").write_text("image: redis\n")
    (tmp_path / "k8s.yml").write_text("image: redis\n")
    code, diff, err = run_rewrite(config, str(tmp_path))
    assert code == 1, err
    changed = sorted(line[6:] for line in diff.splitlines() if line.startswith("+++ b/"))
    assert changed == sorted([str(chart / "values.yaml"), str(tmp_path / "k8s.yml")])
    assert "a Helm chart template, skipped" in err


def test_in_place_keeps_the_file_mode(config, tmp_path):
    path = tmp_path / "pod.yaml"
    path.write_text("image: nginx\n")
    os.chmod(path, 0o640)
    run_rewrite(config, "--in-place", str(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.read_text() == f"image: {R}/docker-hub/library/nginx\n"
    assert [p.name for p in Path(tmp_path).iterdir() if p.name.startswith(".pod")] == []  # no temporary file left


def test_bad_usage_and_config_exit_2(config, tmp_path):
    code, _, err = run_rewrite(str(tmp_path / "missing.yaml"), str(tmp_path))
    assert code == 2 and "Fix:" in err


def test_an_anchor_defined_elsewhere_is_rewritten_where_it_is_written(config, tmp_path):
    text = "x-base: &img nginx:1.27  # compose extension field\nservices:\n  a: {image: *img}\n  b:\n    image: *img\n"
    path = tmp_path / "compose.yaml"
    path.write_text(text)
    code, _, _ = run_rewrite(config, "--in-place", str(path))
    assert code == 1
    assert path.read_text() == text.replace("&img nginx:1.27", f"&img {R}/docker-hub/library/nginx:1.27")
