"""`ecr-ptc rewrite` rewrites image fields by schema: Kubernetes PodSpec image fields (nothing else, whatever its
key), Helm values' image keys with the chart's registry keys, Kustomize overrides coherent with their bases. Each
case compares whole files, before and after."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from ecr_ptc_app.rewrite.target import load
from ecr_ptc_runtime.mapping import map_reference

from .test_rewrite import run_rewrite
from .workload_config import DIGEST, REGISTRY, write_config

R = REGISTRY


@pytest.fixture
def config(tmp_path):
    return write_config(tmp_path)


def rewritten(config: str, tmp_path: Path, name: str, text: str) -> tuple[str, str]:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    code, _, err = run_rewrite(config, "--in-place", str(path))
    assert code in (0, 1), err
    again, _, _ = run_rewrite(config, "--in-place", str(path))
    assert again == 0  # nothing left to change
    return path.read_text(), err


NOT_IMAGES = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  annotations: {image: nginx:1.27}
data:
  image: nginx:1.27
---
apiVersion: v1
kind: Pod
metadata:
  name: ceph
  annotations:
    image: nginx:1.27
    example.com/image: quay.io/prometheus/prometheus
spec:
  containers:
  - name: app
    image: nginx:1.27
  volumes:
  - name: rbd
    rbd: {monitors: [10.0.0.1], image: foo, pool: kube}
  - name: models
    image: {reference: quay.io/org/models:v3}
status:
  containerStatuses:
  - name: app
    image: nginx:1.27
    imageID: docker.io/library/nginx@%(digest)s
---
apiVersion: example.com/v1
kind: Machine
spec:
  osImage: ubuntu:22.04
  baseImage: nginx:1.27
  thumbnail_image: nginx.png
  workers:
    template:
      metadata: {annotations: {image: nginx:1.27}}
      spec:
        initContainers: [{name: init, image: busybox:1.36}]
        containers: [{name: worker, image: "quay.io/prometheus/prometheus:v3"}]
""" % {"digest": DIGEST}

NOT_IMAGES += """\
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  data: {image: redis:7}
- apiVersion: v1
  kind: Pod
  spec: {containers: [{name: x, image: redis:7}]}
"""

NOT_IMAGES_REWRITTEN = (
    NOT_IMAGES.replace(
        "  - name: app\n    image: nginx:1.27\n  volumes",
        f"  - name: app\n    image: {R}/docker-hub/library/nginx:1.27\n  volumes",
    )
    .replace("{reference: quay.io/org/models:v3}", f"{{reference: {R}/team/quay/org/models:v3}}")
    .replace("image: busybox:1.36", f"image: {R}/docker-hub/library/busybox:1.36")
    .replace('"quay.io/prometheus/prometheus:v3"', f'"{R}/team/quay/prometheus/prometheus:v3"')
    .replace("[{name: x, image: redis:7}]", f"[{{name: x, image: {R}/docker-hub/library/redis:7}}]")
)


def test_kubernetes_pod_spec_image_fields_only(config, tmp_path):
    after, _ = rewritten(config, tmp_path, "objects.yaml", NOT_IMAGES)
    assert after == NOT_IMAGES_REWRITTEN
    assert after.count(R) == 5


VALUES = """\
global:
  image:
    registry: registry.k8s.io      # ingress-nginx: the chart puts it before every image
controller:
  image:
    registry: registry.k8s.io
    image: ingress-nginx/controller
    tag: v1.11.2
    digest: null
  admissionWebhooks:
    patch:
      image:
        image: ingress-nginx/kube-webhook-certgen
        tag: v1.4.3
        digest: %(digest)s
backup:
  s3: {registry: quay.io, repository: backups/db}   # not an image
thumbnail_image: nginx.png
extraImages: [nginx:1.27, quay.io/a/b:1]
""" % {"digest": DIGEST}

VALUES_REWRITTEN = (
    VALUES.replace("    registry: registry.k8s.io      #", f"    registry: {R}      #")
    .replace(
        "    registry: registry.k8s.io\n    image: ingress-nginx/controller",
        f"    registry: {R}\n    image: k8s/ingress-nginx/controller",
    )
    .replace("image: ingress-nginx/kube-webhook-certgen", "image: k8s/ingress-nginx/kube-webhook-certgen")
)


def test_helm_global_registry_images_are_rewritten_together(config, tmp_path):
    after, err = rewritten(config, tmp_path, "values.yaml", VALUES)
    assert after == VALUES_REWRITTEN
    assert err.count("pinned by digest") == 1  # the certgen's digest; digest: null is no pin


def test_helm_global_registry_with_an_uncovered_image_leaves_all_with_a_note(config, tmp_path):
    text = "global:\n  imageRegistry: registry.k8s.io\nimage: {repository: pause, tag: '3.10'}\nother:\n  image: {repository: x/y}\n"
    bad = text.replace("global:\n  imageRegistry: registry.k8s.io", "global:\n  imageRegistry: mcr.microsoft.com")
    after, err = rewritten(config, tmp_path, "values.yaml", bad)
    assert after == bad
    assert err.count("the chart puts global.imageRegistry (mcr.microsoft.com) before this image") == 2
    after, _ = rewritten(config, tmp_path, "good/values.yaml", text)
    assert after == text.replace("imageRegistry: registry.k8s.io", f"imageRegistry: {R}").replace(
        "repository: pause", "repository: k8s/pause"
    ).replace("repository: x/y", "repository: k8s/x/y")


CERT_MANAGER = """\
imageRegistry: quay.io
imageNamespace: jetstack
image:
  name: cert-manager-controller
  tag: v1.16.1
webhook:
  image:
    name: cert-manager-webhook
cainjector:
  image: {name: cert-manager-cainjector}
"""


def test_helm_image_registry_and_namespace_cert_manager_style(config, tmp_path):
    after, _ = rewritten(config, tmp_path, "values.yaml", CERT_MANAGER)
    assert after == CERT_MANAGER.replace("imageRegistry: quay.io", f"imageRegistry: {R}").replace(
        "imageNamespace: jetstack", "imageNamespace: team/quay/jetstack"
    )


def test_image_lists_and_white_space_are_reported_not_changed(config, tmp_path):
    text = "images: [nginx:1.27, redis:7]\nimage: ' nginx:1.27'\n"
    after, err = rewritten(config, tmp_path, "values.yaml", text)
    assert after == text
    assert err.count("in a list of images") == 2
    assert "white space around it" in err


# --- Kustomize --------------------------------------------------------------------------------------
BASE = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - {name: web, image: nginx:1.27}
      - {name: side, image: quay.io/prometheus/node-exporter:v1.8.0}
      - {name: tool, image: "mcr.microsoft.com/dotnet/runtime:8.0"}
"""

KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [deploy.yaml]
images:
- name: nginx
  newTag: 1.27.1
- name: quay.io/prometheus/node-exporter
  newName: ghcr.io/org/node-exporter   # a fork
  digest: %(digest)s
- name: mcr.microsoft.com/dotnet/runtime
  newTag: "8.0.1"
""" % {"digest": DIGEST}


def effective_images(directory: Path) -> list[str]:
    """What kustomize deploys: each base image with the first override whose name is the image's name
    (kubectl.docs.kubernetes.io/references/kustomize/kustomization/images/)."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    out = []
    for resource in kustomization["resources"]:
        for doc in yaml.safe_load_all((directory / resource).read_text()):
            for container in doc["spec"]["template"]["spec"]["containers"]:
                image = container["image"]
                name, tag, digest = re.fullmatch(r"(.+?)(?::([\w][\w.-]*))?(?:@(.+))?", image).groups()
                for o in kustomization.get("images", []):
                    if o["name"] == name:
                        name = o.get("newName", name)
                        tag = o.get("newTag", tag)
                        digest = o.get("digest", digest)
                        if "digest" in o:
                            tag = None
                        break
                out.append(name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else ""))
    return out


def test_kustomize_overrides_follow_their_bases(config, tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "deploy.yaml").write_text(BASE)
    (app / "kustomization.yaml").write_text(KUSTOMIZATION)
    before = effective_images(app)
    code, _, err = run_rewrite(config, "--in-place", str(app))
    assert code == 1, err
    assert (app / "kustomization.yaml").read_text() == KUSTOMIZATION.replace(
        "- name: nginx", f"- name: {R}/docker-hub/library/nginx"
    ).replace("- name: quay.io/prometheus/node-exporter", f"- name: {R}/team/quay/prometheus/node-exporter").replace(
        "newName: ghcr.io/org/node-exporter", f"newName: {R}/ghcr/org/node-exporter"
    )
    after = effective_images(app)
    rules = load(config).rules
    # each effective image becomes its cache URI; one no rule covers stays as it was
    assert after == [(m.uri if (m := map_reference(image, rules, R)) else image) for image in before]
    assert after[0] == f"{R}/docker-hub/library/nginx:1.27.1" and after[2] == "mcr.microsoft.com/dotnet/runtime:8.0.1"
    assert after[1] == f"{R}/ghcr/org/node-exporter@{DIGEST}"


def test_image_references_lists_what_rewrite_meets_with_lines_and_coverage(config):
    """The public scan ``warm --from`` builds on: every reference in file order, where it is, and its rule."""
    from ecr_ptc_app.rewrite.engine import image_references

    text = (
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - {name: a, image: nginx:1.27}\n"
        "  - {name: b, image: mcr.microsoft.com/dotnet/runtime:8.0}\n  - {name: c, image: NGINX}\n"
        f"  - {{name: d, image: {R}/k8s/pause:3.10}}\n"
    )
    found = image_references(text, load(config).rules, R)
    assert [(f.line, f.where, f.written, f.status) for f in found] == [
        (5, "spec.containers[0].image", "nginx:1.27", "covered"),
        (6, "spec.containers[1].image", "mcr.microsoft.com/dotnet/runtime:8.0", "uncovered"),
        (7, "spec.containers[2].image", "NGINX", "invalid"),
        (8, "spec.containers[3].image", f"{R}/k8s/pause:3.10", "cached"),
    ]
    assert found[0].mapping.uri == f"{R}/docker-hub/library/nginx:1.27" and found[0].mapping.prefix == "docker-hub"
    assert found[1].mapping is None and "no cache rule covers mcr.microsoft.com" in found[1].problem


def test_a_kustomization_with_a_remote_base_is_noted(config, tmp_path):
    text = "resources:\n- github.com/org/app//base?ref=v1\nimages:\n- {name: nginx, newTag: '1.27.1'}\n"
    after, err = rewritten(config, tmp_path, "kustomization.yaml", text)
    assert after == text.replace("name: nginx", f"name: {R}/docker-hub/library/nginx")
    assert "a remote base keeps its upstream image names" in err


def test_a_kustomization_given_without_its_bases_keeps_its_overrides(config, tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    (app / "deploy.yaml").write_text(BASE)
    (app / "kustomization.yaml").write_text(KUSTOMIZATION)
    before = effective_images(app)
    code, _, err = run_rewrite(config, "--in-place", str(app / "kustomization.yaml"))
    assert code == 0, err
    assert (app / "kustomization.yaml").read_text() == KUSTOMIZATION
    assert effective_images(app) == before  # every override still matches its base
    assert err.count("its bases (deploy.yaml) are not rewritten in this run") == 3


def test_compose_images_through_merge_keys_and_helm_maps_without_a_repository(config, tmp_path):
    compose = (
        "x-base: &base\n  image: nginx:1.27\n  restart: always\nservices:\n  a: {<<: *base}\n  b:\n    <<: *base\n"
    )
    after, _ = rewritten(config, tmp_path, "compose.yaml", compose)
    assert after == compose.replace("image: nginx:1.27", f"image: {R}/docker-hub/library/nginx:1.27")
    values = "image:\n  pullPolicy: Always\n  sidecar:\n    image: redis:7\n"
    after, _ = rewritten(config, tmp_path, "values.yaml", values)
    assert after == values.replace("image: redis:7", f"image: {R}/docker-hub/library/redis:7")


def test_an_image_registry_that_differs_from_the_global_one_leaves_the_group(config, tmp_path):
    text = "global:\n  image: {registry: registry.k8s.io}\nimage: {registry: quay.io, repository: org/app, tag: '1'}\n"
    after, err = rewritten(config, tmp_path, "values.yaml", text)
    assert after == text
    assert "an image's own registry differs from it" in err
