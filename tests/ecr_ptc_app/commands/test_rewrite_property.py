"""`ecr-ptc rewrite` on generated files: Kubernetes objects, Helm values (image strings and maps, global
registries), Compose files, Kustomizations and arbitrary YAML, in block and flow style, with comments, CRLF
line endings, a byte-order mark and several documents. Whatever the file, the rewrite never crashes (bad YAML
is a RewriteError), a second run changes nothing, a file with nothing to rewrite comes back byte for byte, and
what changes is only image text, now pointing at the cache.

Derandomized, 200 examples by default (a few seconds); ``ECR_PTC_REWRITE_EXAMPLES`` explores more.
"""

from __future__ import annotations

import os
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecr_ptc_app.config import load_config
from ecr_ptc_app.rewrite.engine import RewriteError, rewrite

from .workload_config import REGISTRY, write_config

EXAMPLES = int(os.environ.get("ECR_PTC_REWRITE_EXAMPLES", "200"))
NAMES = st.sampled_from(
    [
        "nginx",
        "library/nginx",
        "bitnami/redis",
        "quay.io/team/app",
        "public.ecr.aws/x/y",
        "registry.k8s.io/pause",
        "ghcr.io/o/r",
        "myteam.azurecr.io/a/b",
        "210987654321.dkr.ecr.us-east-1.amazonaws.com/golden/z",
        "docker.io/library/busybox",
        "localhost:5000/x",
        "Nginx",
        "ex ample",
        "",
        "quay.io",
        f"{REGISTRY}/team/quay/x",
    ]
)
TAGS = st.sampled_from(["", ":1.2", ":latest", "@sha256:" + "a" * 64, ":1.2@sha256:" + "b" * 64, ":", ":" + "t" * 130])
REFERENCES = st.builds(lambda name, tag: name + tag, NAMES, TAGS)
SCALARS = st.one_of(
    REFERENCES, st.text(alphabet="abc:/@.-_ #'\"\n\t{}[],&*!|>%", max_size=12), st.integers(), st.booleans(), st.none()
)
KEYS = st.sampled_from(["image", "images", "repository", "tag", "registry", "x", "services", "containers", "kind"])


def container(image: Any) -> dict:
    return {"name": "c", "image": image}


@st.composite
def documents(draw) -> Any:
    kind = draw(st.sampled_from(["pod", "deployment", "helm", "compose", "kustomization", "any"]))
    if kind == "pod":
        containers = [container(draw(SCALARS)) for _ in range(draw(st.integers(0, 3)))]
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p", "annotations": {"x": draw(REFERENCES)}},
            "spec": {"containers": containers, "initContainers": [container(draw(REFERENCES))]},
        }
    if kind == "deployment":
        pod = {"spec": {"containers": [container(draw(REFERENCES))]}}
        return {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": pod}}
    if kind == "helm":
        image_map = st.fixed_dictionaries(
            {
                "registry": st.sampled_from(["docker.io", "quay.io", "ghcr.io", ""]),
                "repository": NAMES,
                "tag": st.one_of(st.sampled_from(["1.0", "", "latest"]), st.integers()),
            }
        )
        registries = st.fixed_dictionaries({"imageRegistry": st.sampled_from(["docker.io", "quay.io", ""])})
        return {
            "image": draw(st.one_of(REFERENCES, image_map)),
            "global": draw(st.one_of(st.just({}), registries)),
            "sub": {"image": draw(REFERENCES)},
        }
    if kind == "compose":
        return {"services": {"a": {"image": draw(REFERENCES)}, "b": {"image": draw(REFERENCES), "build": "."}}}
    if kind == "kustomization":
        image = {"name": draw(NAMES), "newName": draw(NAMES), "newTag": draw(st.sampled_from(["1", "2"]))}
        return {"resources": ["base"], "images": [image]}
    nested = st.recursive(
        SCALARS, lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(KEYS, c, max_size=3)), max_leaves=8
    )
    return draw(nested)


@st.composite
def files(draw) -> str:
    style = draw(st.sampled_from([None, True, False]))
    count = draw(st.integers(1, 3))
    text = "---\n".join(
        yaml.safe_dump(draw(documents()), default_flow_style=style, allow_unicode=True) for _ in range(count)
    )
    if draw(st.booleans()):
        text = "# keep me\n" + text.replace(": ", ":  ", 1)
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text


def changed_scalars(before: Any, after: Any, out: list) -> None:
    """(old, new) of every value that differs; the shapes (keys, their order, list lengths) must not."""
    if isinstance(before, dict):
        assert isinstance(after, dict) and list(before) == list(after)
        for key in before:
            changed_scalars(before[key], after[key], out)
    elif isinstance(before, list):
        assert isinstance(after, list) and len(before) == len(after)
        for old, new in zip(before, after, strict=True):
            changed_scalars(old, new, out)
    elif before != after:
        out.append((before, after))


def test_rewrite_changes_only_image_text_and_twice_changes_nothing(tmp_path):
    rules = load_config(write_config(tmp_path)).rules
    prefixes = tuple(f"{rule.prefix}/" for rule in rules)

    @settings(
        max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(text=files(), filename=st.sampled_from(["values.yaml", "kustomization.yaml", "app.yaml"]))
    def check(text: str, filename: str) -> None:
        try:
            out, plan = rewrite(text, rules, REGISTRY, filename=filename)
        except RewriteError:
            return
        assert rewrite(out, rules, REGISTRY, filename=filename)[0] == out
        if not plan.edits:
            assert out == text
        assert out.startswith("\ufeff") == text.startswith("\ufeff")
        assert out.count("\r\n") == text.count("\r\n") and out.count("#") == text.count("#")
        before = list(yaml.safe_load_all(text.lstrip("\ufeff")))
        after = list(yaml.safe_load_all(out.lstrip("\ufeff")))
        assert len(before) == len(after)
        changes: list = []
        for old, new in zip(before, after, strict=True):
            changed_scalars(old, new, changes)
        for old, new in changes:
            assert isinstance(old, str) and isinstance(new, str), (old, new)
            # a whole reference or registry key now names the cache; a Helm map's repository a rule's prefix
            assert new.startswith(REGISTRY) or new.startswith(prefixes), (old, new)

    check()
