"""Images in the cache: ``<prefix>/<repository>:<tag>`` (what ``warm.images`` and ``ecr-ptc warm`` take), platforms,
and where an image lives under a rule's prefix. I/O-free and stdlib only (shipped in the warmer's Lambda asset).

The grammar of references as workloads write them (``nginx``, ``quay.io/...``) is ``references``.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Optional, Sequence

_COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"  # one path component (distribution/reference's)
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


def docker_hub_path(path: str) -> str:
    """Docker Hub keeps official images under ``library/``: ``nginx`` -> ``library/nginx``; longer paths as they are."""
    return path if "/" in path else f"library/{path}"


def official_image(image: ImageRef, prefix: str, upstream: str, upstream_prefix: Optional[str]) -> Optional[ImageRef]:
    """``<prefix>/nginx:tag`` on a Docker Hub rule -> ``<prefix>/library/nginx:tag``: Docker Hub keeps its
    official images under ``library/`` and refuses the short form through a cache. None: no change."""
    if upstream != "docker-hub" or prefix == "ROOT" or upstream_prefix not in (None, "ROOT"):
        return None
    rest = image.repository[len(prefix) + 1 :]
    fixed = docker_hub_path(rest)
    return None if fixed == rest else ImageRef(f"{prefix}/{fixed}", image.tag)


__all__ = [
    "REPOSITORY_RE",
    "TAG_RE",
    "ImageRef",
    "Platform",
    "best_prefix",
    "cache_reference",
    "cache_repository",
    "docker_hub_path",
    "image_uri",
    "official_image",
    "parse_image",
    "parse_platform",
    "repository_pattern",
]
