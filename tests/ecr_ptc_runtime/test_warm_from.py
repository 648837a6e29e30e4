"""`ecr-ptc warm --from` and `ecr-ptc rewrite --warm` against real registries: a directory of real-world-shaped
manifests warmed through a docker-registry proxy cache; with `organization`, the ECR path into the hub (botocore
Stubber for the ECR API, a real registry standing in for the hub's endpoint)."""

from __future__ import annotations

import base64
import datetime
import io
import re
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from ecr_ptc_app.cli import parser
from ecr_ptc_app.commands.warm import _human
from ecr_ptc_runtime import ecr

from .conftest import ACCOUNT_TOKEN_PASSWORD
from .registry.seed import seed_image
from .registry.test_warm_cli import run_warm, served

pytestmark = pytest.mark.registry

RULES = """\
rules:
  - upstream: docker-hub
    credentials: {secretName: ecr-pullthroughcache/docker-hub}
  - upstream: quay
  - upstream: k8s
"""
ORGANIZATION = """\
organization:
  hub: {account: "111111111111", region: eu-west-1}
  stackSet: {account: "222222222222", region: us-east-1, callAs: DELEGATED_ADMIN}
  organizationId: o-a1b2c3d4e5
  targets: {organizationalUnits: [ou-ab12-34567890], regions: [eu-west-1, us-east-1]}
"""
DIGEST = "sha256:" + "0123456789abcdef" * 4
HUB = "111111111111"
HUB_HOST = f"{HUB}.dkr.ecr.eu-west-1.amazonaws.com"
SPOKE_HOST = "333333333333.dkr.ecr.us-east-1.amazonaws.com"


def manifests(root: Path, cache_host: str) -> None:
    """A deploy repository as CI sees it: workloads, a CronJob, a chart's values, a Compose file, and a file
    whose only image no rule covers."""
    (root / "k8s").mkdir(parents=True)
    (root / "k8s" / "web.yaml").write_text(
        f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, labels: {{app: web}}}}
spec:
  replicas: 3
  template:
    spec:
      initContainers:
        - name: migrate
          image: busybox:1.36
      containers:
        - name: web
          image: "nginx:1.27"   # quoted
          ports: [{{containerPort: 80}}]
        - name: pinned
          image: nginx@{DIGEST}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: agent}}
spec:
  template:
    spec:
      containers:
        - name: pause
          image: {cache_host}/k8s/pause:3.10   # already rewritten to the cache
        - {{name: api, image: {cache_host}/shop/api:2.0}}   # an image of its own in that registry
"""
    )
    (root / "k8s" / "cron.yaml").write_text(
        """\
apiVersion: batch/v1
kind: CronJob
metadata: {name: report}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
            - {name: report, image: 'quay.io/prometheus/node-exporter:v1.8.2'}
            - name: again
              image: docker.io/library/busybox:1.36
"""
    )
    chart = root / "charts" / "cache"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: cache\nversion: 0.1.0\nappVersion: '7.4'\n")
    (chart / "templates" / "deployment.yaml").write_text("image: {{ .Values.image.repository }}\n")
    (chart / "values.yaml").write_text(
        """\
replicaCount: 1
image:
  registry: docker.io
  repository: bitnami/redis
  tag: "7.4"
  pullPolicy: IfNotPresent
metrics:
  image:
    repository: quay.io/oliver006/redis_exporter   # the chart supplies the tag
"""
    )
    (root / "compose.yaml").write_text(
        """\
services:
  db:
    image: postgres:16
  app:
    build: .
    image: shop/app:dev
"""
    )
    (root / "k8s" / "tools.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: tools}\nspec:\n  containers:\n"
        "  - {name: gh, image: ghcr.io/acme/tool:1.0}\n"
    )


def cells(out: str) -> list[list[str]]:
    """The table's rows as cells, the SECONDS column (6th) checked to be a number and left out."""
    rows = [re.split(r"\s{2,}", line.rstrip(), maxsplit=6) for line in out.splitlines()]
    for row in rows[1:]:
        assert re.fullmatch(r"\d+\.\d", row[5]), row
    return [row[:5] + row[6:] for row in rows]


def said(err: str, command: str = "warm") -> list[str]:
    """The command's own lines on stderr (progress lines left out)."""
    return [line for line in err.splitlines() if line.startswith(f"ecr-ptc {command}: ")]


def size(image) -> str:
    return _human(sum({d: s for p in image.platforms.values() for d, s in p.sizes.items()}.values()))


@pytest.fixture
def cache(start_registry, upstream):
    """A docker-registry proxy cache of the upstream (here, pytest's own ``cache`` fixture would win)."""
    return start_registry("cache", proxy_of=upstream.url)


def test_warm_from_a_deploy_repository_warms_what_it_pulls(upstream, cache, tmp_path):
    seeds = [
        ("docker-hub/bitnami/redis", "7.4"),
        ("docker-hub/library/postgres", "16"),
        ("quay/prometheus/node-exporter", "v1.8.2"),
        ("docker-hub/library/busybox", "1.36"),
        ("docker-hub/library/nginx", "1.27"),
        ("k8s/pause", "3.10"),
    ]
    images = [seed_image(upstream.url, repo, tag, layers=1, seed=i + 1) for i, (repo, tag) in enumerate(seeds)]
    (tmp_path / "cache.yaml").write_text(RULES)
    host = cache.url.removeprefix("http://")
    manifests(tmp_path / "deploy", host)
    config, deploy = str(tmp_path / "cache.yaml"), tmp_path / "deploy"

    code, out, err = run_warm("--config", config, "--registry", cache.url, "--from", str(deploy))

    assert code == 0, err
    # the order met: files sorted (charts/, compose.yaml, k8s/cron.yaml, k8s/tools.yaml, k8s/web.yaml), each once
    assert cells(out) == [["IMAGE", "DIGEST", "BEFORE", "PLATFORMS", "BYTES", "RESULT"]] + [
        [i.ref, i.index, "-", "linux/amd64,linux/arm64", size(i), "ok"] for i in images
    ]
    assert said(err) == [
        f"ecr-ptc warm: not warmed: {deploy}/charts/cache/values.yaml:9: quay.io/oliver006/redis_exporter: no tag "
        "written (the chart supplies one, often its appVersion); warm it by name: ecr-ptc warm "
        "quay/oliver006/redis_exporter:<tag>",
        f"ecr-ptc warm: not warmed: {deploy}/k8s/tools.yaml:6: ghcr.io/acme/tool:1.0: no cache rule covers ghcr.io; "
        f"add a rule {{upstream: github-container-registry}} to {config}",
        f"ecr-ptc warm: not warmed: {deploy}/k8s/web.yaml:16: nginx@{DIGEST}: pinned by digest only: a first pull "
        "by digest does not fill a pull-through cache; warm it by tag: ecr-ptc warm docker-hub/library/nginx:<tag>",
        f"ecr-ptc warm: not warmed: {deploy}/k8s/web.yaml:27: {host}/shop/api:2.0: in the cache's registry but "
        "under no rule's prefix: an image of its own there, not a cached one",
        # Chart.yaml holds none; an image Compose builds (build:) is no reference
        "ecr-ptc warm: 6 image(s) to warm from 11 reference(s) in 6 file(s), 4 left out",
    ]
    assert "templates" not in err  # the chart's Go templates are not read
    assert not cache.wait_for_blobs(b for i in images for p in i.platforms.values() for b in p.blobs)
    upstream.stop()
    for image in images:
        assert served(cache, f"/v2/{image.repository}/manifests/{image.tag}") == (200, image.index)


@pytest.fixture
def hub_api(monkeypatch, ecr_registry):
    """A stubbed ECR client in the hub's Region; ecr.client records the Region asked for, and the registry
    client records the endpoint asked for and talks to the real registry standing in for it."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    api = boto3.client("ecr", region_name="eu-west-1")
    stubber = Stubber(api)
    asked: dict[str, list] = {"regions": [], "endpoints": []}
    monkeypatch.setattr(ecr, "client", lambda region=None: asked["regions"].append(region) or api)
    original = ecr.registry_client

    def registry_client(api, *, endpoint=None, **kwargs):
        asked["endpoints"].append(endpoint)
        return original(api, endpoint=ecr_registry.url, **kwargs)

    monkeypatch.setattr(ecr, "registry_client", registry_client)
    token = base64.b64encode(f"AWS:{ACCOUNT_TOKEN_PASSWORD}".encode()).decode()
    stubber.add_response(
        "get_authorization_token",
        {
            "authorizationData": [
                {
                    "authorizationToken": token,
                    "proxyEndpoint": f"https://{SPOKE_HOST}",  # the caller's own registry: not used
                    "expiresAt": datetime.datetime(2030, 1, 1),
                }
            ]
        },
        {},  # no registryIds: the token works for every registry the caller may access
    )
    with stubber:
        yield stubber, asked


def test_organization_warms_in_the_hub_from_a_member_account(upstream, hub_api, tmp_path):
    stubber, asked = hub_api
    nginx = seed_image(upstream.url, "docker-hub/library/nginx", "1.27", layers=1, seed=1)
    pause = seed_image(upstream.url, "k8s/pause", "3.10", layers=1, seed=2)
    for image in (nginx, pause):  # the member account may not DescribeImages in the hub: BEFORE unknown
        stubber.add_client_error(
            "describe_images",
            "AccessDeniedException",
            expected_params={
                "registryId": HUB,
                "repositoryName": image.repository,
                "imageIds": [{"imageTag": image.tag}],
            },
        )
    (tmp_path / "org.yaml").write_text(RULES + ORGANIZATION)
    (tmp_path / "app.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n"
        f"      - {{name: web, image: {SPOKE_HOST}/docker-hub/library/nginx:1.27}}   # a spoke's path\n"
        "      - {name: pause, image: registry.k8s.io/pause:3.10}\n"
    )

    code, out, err = run_warm(
        "--config", str(tmp_path / "org.yaml"), "--concurrency", "1", "--from", str(tmp_path / "app.yaml")
    )

    assert code == 0, err
    assert asked == {"regions": ["eu-west-1"], "endpoints": [f"https://{HUB_HOST}"]}
    stubber.assert_no_pending_responses()
    assert cells(out) == [
        ["IMAGE", "DIGEST", "BEFORE", "PLATFORMS", "BYTES", "RESULT"],
        [nginx.ref, nginx.index, "?", "linux/amd64,linux/arm64", "0 B", "ok"],
        [pause.ref, pause.index, "?", "linux/amd64,linux/arm64", "0 B", "ok"],
    ]
    assert said(err) == [
        "ecr-ptc warm: 2 image(s) to warm from 2 reference(s) in 1 file(s), 0 left out",
        "ecr-ptc warm: moved tags not reported: ecr:DescribeImages answered AccessDeniedException",
    ]


def test_rewrite_warm_warms_what_it_rewrote(upstream, hub_api, tmp_path):
    stubber, asked = hub_api
    nginx = seed_image(upstream.url, "docker-hub/library/nginx", "1.27", layers=1, seed=3)
    stubber.add_response(
        "describe_images",
        {"imageDetails": [{"imageDigest": nginx.index}]},
        {"registryId": HUB, "repositoryName": nginx.repository, "imageIds": [{"imageTag": "1.27"}]},
    )
    (tmp_path / "org.yaml").write_text(RULES + ORGANIZATION)
    app = tmp_path / "app.yaml"
    app.write_text("containers:\n- name: web\n  image: nginx:1.27   # web\n- {name: tools, image: ghcr.io/a/b:1}\n")
    args = parser().parse_args(
        ["rewrite", "--config", str(tmp_path / "org.yaml"), "--registry", SPOKE_HOST, "--in-place", "--warm", str(app)]
    )
    out, err = io.StringIO(), io.StringIO()

    code = args.func(args, out, err)

    assert code == 1, err.getvalue()  # changes made, and the warm succeeded
    assert app.read_text() == (
        f"containers:\n- name: web\n  image: {SPOKE_HOST}/docker-hub/library/nginx:1.27   # web\n"
        "- {name: tools, image: ghcr.io/a/b:1}\n"
    )
    assert out.getvalue() == ""  # the diff's place: the warm's table goes to stderr
    assert asked == {"regions": ["eu-west-1"], "endpoints": [f"https://{HUB_HOST}"]}
    stubber.assert_no_pending_responses()
    lines = err.getvalue().splitlines()
    table = [line for line in lines if line.startswith(("IMAGE ", nginx.ref + " "))]
    assert cells("\n".join(table)) == [
        ["IMAGE", "DIGEST", "BEFORE", "PLATFORMS", "BYTES", "RESULT"],
        [nginx.ref, nginx.index, "same", "linux/amd64,linux/arm64", "0 B", "ok"],
    ]
    assert said(err.getvalue(), "rewrite")[-1] == (
        "ecr-ptc rewrite: 1 image(s) to warm from 1 reference(s) in 1 file(s), 0 left out"
    )
