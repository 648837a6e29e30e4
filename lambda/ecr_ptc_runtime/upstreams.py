"""The upstream registries ECR's pull-through cache serves: the one table every layer reads.

Everything about one upstream lives in its row: the ``UpstreamRegistry`` value, the host (or the shape of the
host the user gives), how ECR authenticates to it, the default prefix, an example image, and the hosts by which
image references name it. I/O-free and stdlib only (shipped in the warmer's Lambda asset).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from enum import Enum
from typing import Optional


class Auth(Enum):
    """How ECR authenticates to an upstream."""

    NONE = "none"
    SECRET = "secret"
    ROLE = "role"


@dataclass(frozen=True)
class UrlShape:
    """The host a user gives for an upstream without a fixed one (``registryUrl``)."""

    pattern: re.Pattern[str]  # the whole host, matched case as written
    what: str  # "an Azure Container Registry host"
    form: str  # "'<registry name>.azurecr.io' (5-50 letters or digits)"
    example: str  # "myregistry.azurecr.io"


@dataclass(frozen=True)
class UpstreamInfo:
    name: str  # the UpstreamRegistry value of AWS::ECR::PullThroughCacheRule
    url: Optional[str]  # None: the user gives it (registry_url), of the shape ``url_shape``
    auth: Auth
    default_prefix: str
    example_image: str  # a repository that exists upstream, for the example pull command
    title: str  # what people call it ("Docker Hub"), as the README's introduction names it
    url_shape: Optional[UrlShape] = None
    # Other hosts by which image references name this upstream (Docker Hub's own names for itself).
    also_hosts: tuple[str, ...] = ()

    def reference_hosts(self, url: Optional[str] = None) -> tuple[str, ...]:
        """The hosts (lower case) by which references name this upstream; ``url`` for an upstream without a fixed one."""
        host = self.url or url
        return tuple(dict.fromkeys(h.lower() for h in (*self.also_hosts, *((host,) if host else ()))))


# Docker's name for Docker Hub in normalised references (github.com/distribution/reference).
DOCKER_HUB_DOMAIN = "docker.io"
# How references name Docker Hub: Docker's own two names, and the API host a cache rule uses
# (``registry-1.docker.io``, read as docker.io here so that its official images get library/ too).
DOCKER_HUB_HOSTS = ("docker.io", "index.docker.io", "registry-1.docker.io")

AZURE_URL = UrlShape(
    re.compile(r"^[a-zA-Z0-9]{5,50}\.azurecr\.io$"),
    "an Azure Container Registry host",
    "'<registry name>.azurecr.io' (5-50 letters or digits)",
    "myregistry.azurecr.io",
)
ECR_URL = UrlShape(
    re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$"),
    "a private ECR registry host",
    "'<account>.dkr.ecr.<region>.amazonaws.com'",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com",
)

UPSTREAMS: dict[str, UpstreamInfo] = {
    u.name: u
    for u in (
        UpstreamInfo("ecr-public", "public.ecr.aws", Auth.NONE, "ecr-public", "nginx/nginx:latest", "ECR Public"),
        UpstreamInfo("k8s", "registry.k8s.io", Auth.NONE, "k8s", "pause:3.10", "registry.k8s.io"),
        UpstreamInfo("quay", "quay.io", Auth.NONE, "quay", "prometheus/prometheus:latest", "Quay"),
        UpstreamInfo(
            "docker-hub",
            "registry-1.docker.io",
            Auth.SECRET,
            "docker-hub",
            "library/nginx:latest",
            "Docker Hub",
            also_hosts=DOCKER_HUB_HOSTS,
        ),
        UpstreamInfo("github-container-registry", "ghcr.io", Auth.SECRET, "ghcr", "<owner>/<image>:<tag>", "GHCR"),
        UpstreamInfo(
            "gitlab-container-registry",
            "registry.gitlab.com",
            Auth.SECRET,
            "gitlab",
            "<group>/<project>/<image>:<tag>",
            "GitLab",
        ),
        UpstreamInfo("azure-container-registry", None, Auth.SECRET, "azure", "<image>:<tag>", "Azure", AZURE_URL),
        UpstreamInfo("chainguard", "cgr.dev", Auth.SECRET, "chainguard", "chainguard/nginx:latest", "Chainguard"),
        UpstreamInfo("ecr", None, Auth.ROLE, "ecr", "<repository>:<tag>", "other ECR registries", ECR_URL),
    )
}

# Other names people give an upstream: its default prefix (``ghcr``), its host, common spellings.
ALIASES: dict[str, str] = {
    **{u.default_prefix: u.name for u in UPSTREAMS.values()},
    **{u.url: u.name for u in UPSTREAMS.values() if u.url},
    "docker": "docker-hub",
    "dockerhub": "docker-hub",
    "docker.io": "docker-hub",
    "index.docker.io": "docker-hub",
    "github": "github-container-registry",
    "acr": "azure-container-registry",
    "public-ecr": "ecr-public",
    "ecr-private": "ecr",
    "registry.k8s": "k8s",
    "kubernetes": "k8s",
}

# Registries that moved: images written with the old host are served by the new one.
MOVED_HOSTS: dict[str, str] = {
    "k8s.gcr.io": "registry.k8s.io",  # redirected since 2023: https://kubernetes.io/blog/2023/03/10/image-registry-redirect/
}


def suggest_upstream(name: str) -> Optional[str]:
    """The upstream a mistaken name most likely means (``ghcr`` -> ``github-container-registry``)."""
    key = name.strip().lower()
    if key in ALIASES:
        return ALIASES[key]
    close = difflib.get_close_matches(key, [*UPSTREAMS, *ALIASES], n=1)
    return ALIASES.get(close[0], close[0]) if close else None


def upstream_of_host(host: str) -> Optional[UpstreamInfo]:
    """The upstream that serves images of ``host`` (case-insensitive): a fixed host, an alias, or a user-given
    host of an upstream's shape (``x.azurecr.io``, ``<account>.dkr.ecr.<region>.amazonaws.com``). None: none does."""
    key = host.lower()
    if key in ALIASES:
        return UPSTREAMS[ALIASES[key]]
    return next((u for u in UPSTREAMS.values() if u.url_shape and u.url_shape.pattern.match(key)), None)


__all__ = [
    "ALIASES",
    "AZURE_URL",
    "DOCKER_HUB_DOMAIN",
    "DOCKER_HUB_HOSTS",
    "ECR_URL",
    "MOVED_HOSTS",
    "UPSTREAMS",
    "Auth",
    "UpstreamInfo",
    "UrlShape",
    "suggest_upstream",
    "upstream_of_host",
]
