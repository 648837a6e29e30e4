"""Names: the upstream registries, image references, and where an image lives in the cache.

I/O-free, with no CDK or boto3 import, and shipped in the warmer's runtime package (so the Lambda
asset carries it): the constructs, the Lambda, the CLI and its commands all read it, and nobody
keeps a copy. It never imports the constructs.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple, Optional, Sequence


# --- upstream registries ---------------------------------------------------------------------
class Auth(Enum):
    """How ECR authenticates to an upstream."""

    NONE = "none"
    SECRET = "secret"
    ROLE = "role"


@dataclass(frozen=True)
class UpstreamInfo:
    name: str  # the UpstreamRegistry value of AWS::ECR::PullThroughCacheRule
    url: Optional[str]  # None: the user gives it (registry_url)
    auth: Auth
    default_prefix: str
    example_image: str  # a repository that exists upstream, for the example pull command


UPSTREAMS: dict[str, UpstreamInfo] = {
    u.name: u
    for u in (
        UpstreamInfo("ecr-public", "public.ecr.aws", Auth.NONE, "ecr-public", "nginx/nginx:latest"),
        UpstreamInfo("k8s", "registry.k8s.io", Auth.NONE, "k8s", "pause:3.10"),
        UpstreamInfo("quay", "quay.io", Auth.NONE, "quay", "prometheus/prometheus:latest"),
        UpstreamInfo("docker-hub", "registry-1.docker.io", Auth.SECRET, "docker-hub", "library/nginx:latest"),
        UpstreamInfo("github-container-registry", "ghcr.io", Auth.SECRET, "ghcr", "<owner>/<image>:<tag>"),
        UpstreamInfo(
            "gitlab-container-registry", "registry.gitlab.com", Auth.SECRET, "gitlab", "<group>/<project>/<image>:<tag>"
        ),
        UpstreamInfo("azure-container-registry", None, Auth.SECRET, "azure", "<image>:<tag>"),
        UpstreamInfo("chainguard", "cgr.dev", Auth.SECRET, "chainguard", "chainguard/nginx:latest"),
        UpstreamInfo("ecr", None, Auth.ROLE, "ecr", "<repository>:<tag>"),
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


def suggest_upstream(name: str) -> Optional[str]:
    """The upstream a mistaken name most likely means (``ghcr`` -> ``github-container-registry``)."""
    key = name.strip().lower()
    if key in ALIASES:
        return ALIASES[key]
    close = difflib.get_close_matches(key, [*UPSTREAMS, *ALIASES], n=1)
    return ALIASES.get(close[0], close[0]) if close else None


# --- image references ------------------------------------------------------------------------

_COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
REPOSITORY_RE = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
_PLATFORM_PART = re.compile(r"[A-Za-z0-9_.-]+")


class ImageRef(NamedTuple):
    """``repository`` is the full repository path, cache prefix included (``ecr-public/nginx/nginx``)."""

    repository: str
    tag: str

    def __str__(self) -> str:
        return f"{self.repository}:{self.tag}"

    def has_prefix(self, prefix: str) -> bool:
        """True when the repository lies under the cache rule prefix ``prefix`` (``ROOT`` matches all)."""
        prefix = prefix.strip("/")
        return prefix == "ROOT" or self.repository.startswith(prefix + "/")


class Platform(NamedTuple):
    os: str
    architecture: str
    variant: Optional[str] = None

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)

    def matches(self, descriptor_platform: dict) -> bool:
        """Does an index entry's ``platform`` object match? A selection without variant matches any variant."""
        if descriptor_platform.get("os") != self.os or descriptor_platform.get("architecture") != self.architecture:
            return False
        return self.variant is None or descriptor_platform.get("variant") == self.variant

    @classmethod
    def of(cls, descriptor_platform: dict) -> "Platform":
        return cls(
            descriptor_platform.get("os", "?"),
            descriptor_platform.get("architecture", "?"),
            descriptor_platform.get("variant") or None,
        )


def parse_image(ref: str) -> ImageRef:
    """Parse ``<prefix>/<repository>:<tag>``; raise ValueError saying what is wrong."""
    if not isinstance(ref, str) or not ref.strip():
        raise ValueError("image reference is empty; expected <prefix>/<repository>:<tag>")
    ref = ref.strip()
    if "@" in ref:
        raise ValueError(
            f"image {ref!r} is pinned by digest: a first pull by digest does not fill a "
            "pull-through cache; use a tag (<prefix>/<repository>:<tag>)"
        )
    name, sep, tag = ref.rpartition(":")
    if not sep or "/" in tag:
        raise ValueError(
            f"image {ref!r} has no tag; expected <prefix>/<repository>:<tag>, e.g. ecr-public/nginx/nginx:1.27"
        )
    if not REPOSITORY_RE.fullmatch(name):
        raise ValueError(
            f"image {ref!r}: repository {name!r} is not a valid name (lowercase letters, digits and "
            "separators . _ __ - between them, path segments joined by /)"
        )
    # No prefix check here: under a ROOT rule a repository has none (``pause:3.10``); which rule
    # covers an image is the caller's question (best_prefix).
    if not TAG_RE.fullmatch(tag):
        raise ValueError(
            f"image {ref!r}: tag {tag!r} is not valid (1-128 of A-Z a-z 0-9 _ . -, not starting with . or -)"
        )
    return ImageRef(name, tag)


def parse_platform(s: str) -> Platform:
    """Parse ``os/arch[/variant]`` such as ``linux/arm64`` or ``linux/arm/v7``."""
    parts = s.split("/") if isinstance(s, str) else []
    if len(parts) not in (2, 3) or not all(_PLATFORM_PART.fullmatch(p) for p in parts):
        raise ValueError(f"platform {s!r} is not of the form os/arch[/variant], e.g. linux/arm64")
    return Platform(*parts) if len(parts) == 3 else Platform(parts[0], parts[1])


# --- where an image lives in the cache ---------------------------------------------------------
def repository_pattern(prefix: str) -> str:
    """The repository-name pattern (for IAM ARNs) of what a rule with ``prefix`` creates."""
    return "*" if prefix == "ROOT" else f"{prefix}/*"


def cache_repository(prefix: str, repository: str) -> str:
    """``ecr-public`` + ``nginx/nginx`` -> ``ecr-public/nginx/nginx`` (``ROOT`` maps names 1:1)."""
    return repository if prefix == "ROOT" else f"{prefix}/{repository}"


def cache_reference(
    registry: str, prefix: str, repository: str, tag: Optional[str] = None, digest: Optional[str] = None
) -> str:
    """``<registry>/<prefix>/<repository>[:<tag>][@<digest>]``: the one spelling of an image in the cache,
    for the construct's ``image_uri``, ``ecr-ptc uri`` and ``ecr-ptc rewrite`` alike."""
    return (
        f"{registry}/{cache_repository(prefix, repository)}"
        + (f":{tag}" if tag is not None else "")
        + (f"@{digest}" if digest is not None else "")
    )


def image_uri(registry: str, prefix: str, repository: str, tag: str = "latest", *, digest: Optional[str] = None) -> str:
    """``<registry>/<prefix>/<repository>:<tag>``, or ``...@<digest>`` (a ``sha256:`` tag counts as one)."""
    if digest is None and tag.startswith("sha256:"):
        digest = tag
    return cache_reference(registry, prefix, repository, None if digest is not None else tag, digest)


def best_prefix(repository: str, prefixes: Sequence[str]) -> Optional[str]:
    """The rule prefix that covers ``repository``: the longest wins, ``ROOT`` covers everything last."""
    ref = ImageRef(repository, "latest")
    matching = [p for p in prefixes if ref.has_prefix(p)]
    return max(matching, key=lambda p: -1 if p == "ROOT" else len(p), default=None)


def official_image(image: ImageRef, prefix: str, upstream: str, upstream_prefix: Optional[str]) -> Optional[ImageRef]:
    """``<prefix>/nginx:tag`` on a Docker Hub rule -> ``<prefix>/library/nginx:tag``: Docker Hub keeps its
    official images under ``library/`` and refuses the short form through a cache. None: no change."""
    if upstream != "docker-hub" or prefix == "ROOT" or upstream_prefix not in (None, "ROOT"):
        return None
    rest = image.repository[len(prefix) + 1 :]
    fixed = docker_hub_path(rest)
    return None if fixed == rest else ImageRef(f"{prefix}/{fixed}", image.tag)
