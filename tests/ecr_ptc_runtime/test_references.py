"""Image references as workloads write them -> cache URIs: Docker's normalisation, the rules' mapping, and the
same mapping as regular expressions (what the Kyverno policy runs), compared reference by reference."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import pytest
import re2

from ecr_ptc_runtime.images import ImageRef, cache_reference, image_uri, official_image
from ecr_ptc_runtime.mapping import CacheRule, CannotHold, map_reference
from ecr_ptc_runtime.patterns import rewrite_patterns
from ecr_ptc_runtime.references import Reference, parse_reference

from .kyverno_re2 import admit as apply_patterns

REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
D64 = "sha256:" + "0123456789abcdef" * 4
HUB_URL = "registry-1.docker.io"


@dataclass(frozen=True)
class Rule:
    """A stand-in for ecr_ptc.UpstreamRule: the runtime never imports the constructs."""

    upstream: str
    prefix: str
    upstream_url: str
    upstream_prefix: Optional[str] = None


RULES: list[CacheRule] = [
    Rule("docker-hub", "docker-hub", HUB_URL),
    Rule("ecr-public", "ecr-public", "public.ecr.aws"),
    Rule("k8s", "k8s", "registry.k8s.io"),
    Rule("quay", "team/quay", "quay.io"),
    Rule("github-container-registry", "ghcr", "ghcr.io"),
    Rule("gitlab-container-registry", "gitlab", "registry.gitlab.com"),
    Rule("chainguard", "chainguard", "cgr.dev"),
    Rule("azure-container-registry", "azure", "myteam.azurecr.io"),
    Rule("ecr", "central", "210987654321.dkr.ecr.us-east-1.amazonaws.com", "golden"),
    Rule("docker-hub", "bitnami", HUB_URL, "bitnami"),  # more specific than the docker-hub rule
]


def uri(path: str) -> str:
    return f"{REGISTRY}/{path}"


# (as written, the cache URI as written - no tag invented; None: no rule covers it)
MAPPED = [
    # Docker Hub short names and official images
    ("nginx", uri("docker-hub/library/nginx")),
    ("nginx:1.27", uri("docker-hub/library/nginx:1.27")),
    ("nginx:1.27.3-alpine3.20", uri("docker-hub/library/nginx:1.27.3-alpine3.20")),
    ("nginx:Latest_1", uri("docker-hub/library/nginx:Latest_1")),
    ("library/nginx:1.27", uri("docker-hub/library/nginx:1.27")),
    ("docker.io/nginx", uri("docker-hub/library/nginx")),
    ("docker.io/library/nginx:1.27", uri("docker-hub/library/nginx:1.27")),
    ("index.docker.io/library/nginx:1.27", uri("docker-hub/library/nginx:1.27")),
    ("index.docker.io/redis", uri("docker-hub/library/redis")),
    ("registry-1.docker.io/library/busybox:1.36", uri("docker-hub/library/busybox:1.36")),
    ("grafana/grafana:11.1.0", uri("docker-hub/grafana/grafana:11.1.0")),
    ("docker.io/grafana/grafana", uri("docker-hub/grafana/grafana")),
    ("my_org/my__app--x/sub.dir/img:v1", uri("docker-hub/my_org/my__app--x/sub.dir/img:v1")),
    ("localhost:5000", uri("docker-hub/library/localhost:5000")),  # Docker reads this as an image 'localhost'
    ("nginx@" + D64, uri("docker-hub/library/nginx@" + D64)),
    ("nginx:1.27@" + D64, uri("docker-hub/library/nginx:1.27@" + D64)),
    # an upstream prefix claims its namespace, whatever the order of the rules
    ("bitnami/postgresql:16.3.0", uri("bitnami/postgresql:16.3.0")),
    ("docker.io/bitnami/redis", uri("bitnami/redis")),
    # the other upstreams, with their hosts
    ("public.ecr.aws/nginx/nginx:1.27", uri("ecr-public/nginx/nginx:1.27")),
    ("public.ecr.aws/docker/library/alpine:3.20", uri("ecr-public/docker/library/alpine:3.20")),
    ("registry.k8s.io/pause:3.10", uri("k8s/pause:3.10")),
    ("registry.k8s.io/ingress-nginx/controller:v1.11.2@" + D64, uri("k8s/ingress-nginx/controller:v1.11.2@" + D64)),
    ("quay.io/prometheus/prometheus", uri("team/quay/prometheus/prometheus")),
    ("quay.io/jetstack/cert-manager-controller:v1.15.3", uri("team/quay/jetstack/cert-manager-controller:v1.15.3")),
    ("ghcr.io/org/app@" + D64, uri("ghcr/org/app@" + D64)),
    ("ghcr.io/org/team/deep/nested/app:2024.10.01", uri("ghcr/org/team/deep/nested/app:2024.10.01")),
    ("registry.gitlab.com/group/project/image:main", uri("gitlab/group/project/image:main")),
    ("cgr.dev/chainguard/static:latest", uri("chainguard/chainguard/static:latest")),
    ("myteam.azurecr.io/base/dotnet:8.0", uri("azure/base/dotnet:8.0")),
    ("Quay.io/prometheus/prometheus", uri("team/quay/prometheus/prometheus")),  # hosts: case-insensitive (DNS)
    ("GHCR.IO/org/app:v1", uri("ghcr/org/app:v1")),
    ("210987654321.dkr.ecr.us-east-1.amazonaws.com/golden/base:2", uri("central/base:2")),
    ("210987654321.dkr.ecr.us-east-1.amazonaws.com/golden/a/b:c", uri("central/a/b:c")),
]

NOT_COVERED = [
    "mcr.microsoft.com/dotnet/runtime:8.0",  # no rule for the host
    "gcr.io/distroless/static",
    "localhost/app:1",  # 'localhost' is a host
    "localhost:5000/app:1",  # a host with a port
    "registry.example.com:5000/team/app:1.0",
    "foo.bar/app",  # a dot makes the first component a host
    "210987654321.dkr.ecr.us-east-1.amazonaws.com/other/base:2",  # outside the rule's upstream prefix
    "quay.io:443/prometheus/prometheus",  # another host as far as references go
]

INVALID = [
    ("", "empty"),
    ("   ", "white space around it"),
    (" nginx", "white space around it"),
    ("nginx:1.27\n", "white space around it"),
    ("0123456789abcdef" * 4, "64 hexadecimal characters"),
    ("NGINX", "lower case"),
    ("docker.io/Library/nginx", "lower case"),
    ("quay.io/Prometheus/prometheus", "lower case"),
    ("nginx:", "tag '' is not valid"),
    ("nginx:-bad", "tag '-bad' is not valid"),
    ("nginx:" + "a" * 129, "is not valid"),
    ("nginx@sha256:abc", "digest"),
    ("nginx@sha256:" + "A" * 64, "digest"),
    ("nginx@md5:" + "0" * 32, "digest"),
    ("nginx@" + D64 + "@" + D64, "digest"),
    ("ghcr.io//app", "not a valid name"),
    ("ghcr.io/app-/x", "not a valid name"),
    ("nginx latest", "white space"),
    ("-bad.host/app", "not a valid registry host"),
    ("quay.io/" + "a/" * 130 + "b", "longer than 255"),
    ("docker.io/" + "a" * 256, "longer than 255"),
]


def test_the_table_is_big_enough():
    assert len(MAPPED) + len(NOT_COVERED) + len(INVALID) >= 40


@pytest.mark.parametrize("written, expected", MAPPED, ids=[w or "empty" for w, _ in MAPPED])
def test_mapping(written, expected):
    mapping = map_reference(written, RULES, REGISTRY)
    assert mapping is not None
    assert mapping.uri == expected
    assert mapping.repository == expected[len(REGISTRY) + 1 :].split("@")[0].rsplit(":", 1)[0]


@pytest.mark.parametrize("written, expected", MAPPED, ids=[w for w, _ in MAPPED])
def test_the_patterns_give_what_the_mapping_gives(written, expected):
    """The Kyverno policy's regular expressions, tried in order (first match only), rewrite exactly as the
    mapping does; a rewritten reference matches no pattern again (so a policy never rewrites twice)."""
    patterns = rewrite_patterns(RULES, REGISTRY)
    assert apply_patterns(patterns, written) == expected
    assert apply_patterns(patterns, expected) is None


@pytest.mark.parametrize("written", NOT_COVERED)
def test_not_covered_is_reported_not_guessed(written):
    assert map_reference(written, RULES, REGISTRY) is None
    assert apply_patterns(rewrite_patterns(RULES, REGISTRY), written) is None


@pytest.mark.parametrize("written, message", INVALID, ids=[w[:30] or "empty" for w, _ in INVALID])
def test_invalid_references_say_what_is_wrong(written, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_reference(written)


def test_patterns_compile_as_re2_would_need():
    """No look-around, no back-references (RE2 has neither); anchored at the start; braces only as repeat counts."""
    for p in rewrite_patterns(RULES, REGISTRY):
        for regex in (p.match, *p.unless):
            re2.compile(regex)
            assert regex.startswith("^")
            assert "(?=" not in regex and "(?!" not in regex and "(?<" not in regex and "\\1" not in regex
            # braces only as RE2 repeat counts, one level deep: Kyverno (since 1.7, kyverno/kyverno#3133) reads
            # {{ ... }} holding single-level {...} as one variable
            assert "{{" not in regex and "}}" not in regex
            assert re.sub(r"\{\d+(?:,\d+)?\}", "", regex).count("{") == 0
        assert p.match.endswith("$")
        assert p.replacement.endswith("$1") and p.replacement.count("$") == 1


def test_normalisation_is_dockers():
    assert parse_reference("nginx") == Reference("docker.io", "library/nginx")
    assert parse_reference("index.docker.io/nginx:1") == Reference("docker.io", "library/nginx", "1")
    assert parse_reference("localhost:5000/a/b:c") == Reference("localhost:5000", "a/b", "c")
    assert parse_reference("[::1]:5000/app@" + D64) == Reference("[::1]:5000", "app", None, D64)
    assert str(parse_reference("quay.io/a/b:1@" + D64)) == "quay.io/a/b:1@" + D64
    assert parse_reference("nginx").suffix == "" and parse_reference("nginx:1").suffix == ":1"


def test_uri_with_tag_writes_out_docker_default_tag_only_when_there_is_none():
    assert map_reference("nginx", RULES, REGISTRY).uri_with_tag == uri("docker-hub/library/nginx:latest")
    assert map_reference("nginx:1", RULES, REGISTRY).uri_with_tag == uri("docker-hub/library/nginx:1")
    assert map_reference("nginx@" + D64, RULES, REGISTRY).uri_with_tag == uri("docker-hub/library/nginx@" + D64)


def test_digest_references_keep_their_digest_and_warn_that_the_first_pull_must_be_by_tag():
    with_tag = map_reference("ghcr.io/org/app:v2@" + D64, RULES, REGISTRY)
    assert with_tag.uri.endswith("/ghcr/org/app:v2@" + D64)
    assert any("ecr-ptc warm ghcr/org/app:v2" in w for w in with_tag.warnings)
    only_digest = map_reference("ghcr.io/org/app@" + D64, RULES, REGISTRY)
    assert any("first pull by digest does not fill" in w and "<tag>" in w for w in only_digest.warnings)
    assert map_reference("ghcr.io/org/app:v2", RULES, REGISTRY).warnings == []


def test_equally_specific_rules_first_one_wins_and_the_other_is_named():
    rules = [Rule("quay", "quay-a", "quay.io"), Rule("quay", "quay-b", "quay.io")]
    mapping = map_reference("quay.io/x/y", rules, REGISTRY)
    assert mapping.uri == uri("quay-a/x/y") and mapping.also == ("quay-b",)
    assert any("quay-b" in w for w in mapping.warnings)
    assert apply_patterns(rewrite_patterns(rules, REGISTRY), "quay.io/x/y") == uri("quay-a/x/y")


def test_root_prefix_maps_names_one_to_one():
    rules = [Rule("docker-hub", "ROOT", HUB_URL)]
    assert map_reference("nginx:1", rules, REGISTRY).uri == uri("library/nginx:1")
    assert map_reference("a/b", rules, REGISTRY).uri == uri("a/b")
    assert apply_patterns(rewrite_patterns(rules, REGISTRY), "nginx:1") == uri("library/nginx:1")


def test_a_library_upstream_prefix_takes_official_images():
    rules = [Rule("docker-hub", "official", HUB_URL, "library")]
    assert map_reference("nginx:1", rules, REGISTRY).uri == uri("official/nginx:1")
    assert map_reference("docker.io/library/redis", rules, REGISTRY).uri == uri("official/redis")
    assert map_reference("grafana/grafana", rules, REGISTRY) is None
    patterns = rewrite_patterns(rules, REGISTRY)
    assert apply_patterns(patterns, "nginx:1") == uri("official/nginx:1")
    assert apply_patterns(patterns, "library/redis") == uri("official/redis")
    assert apply_patterns(patterns, "grafana/grafana") is None


def test_a_reference_already_in_the_cache_stays_as_it_is():
    mapping = map_reference(uri("team/quay/a/b:1"), RULES, REGISTRY)
    assert mapping.uri == uri("team/quay/a/b:1") and mapping.prefix == "team/quay"


def test_a_cache_repository_longer_than_ecr_allows_is_refused():
    long = "quay.io/" + "/".join(["abcdefghij"] * 22)  # 241 characters of path: fine for Docker, not with the prefix
    with pytest.raises(CannotHold, match="ECR cannot hold this repository"):
        map_reference(long, [Rule("quay", "a-rather-long-prefix/quay", "quay.io")], REGISTRY)


def test_cache_reference_is_the_one_spelling_and_image_uri_keeps_its_contract():
    assert cache_reference(REGISTRY, "k8s", "pause", "3.10") == uri("k8s/pause:3.10")
    assert cache_reference(REGISTRY, "ROOT", "pause", None, D64) == uri("pause@" + D64)
    assert cache_reference(REGISTRY, "k8s", "pause", "3.10", D64) == uri("k8s/pause:3.10@" + D64)
    assert image_uri(REGISTRY, "k8s", "pause") == uri("k8s/pause:latest")
    assert image_uri(REGISTRY, "k8s", "pause", "sha256:abc") == uri("k8s/pause@sha256:abc")
    assert image_uri(REGISTRY, "k8s", "pause", "3.10", digest=D64) == uri("k8s/pause@" + D64)


def test_the_warmers_official_image_fix_uses_the_same_library_rule():
    fixed = official_image(ImageRef("docker-hub/nginx", "1.27"), "docker-hub", "docker-hub", None)
    assert fixed == ImageRef("docker-hub/library/nginx", "1.27")
    assert official_image(ImageRef("docker-hub/grafana/grafana", "1"), "docker-hub", "docker-hub", None) is None
    assert official_image(ImageRef("quay/nginx", "1"), "quay", "quay", None) is None
