"""Image references and platforms: the only parsing the warmer, the CLI and the constructs share."""
from __future__ import annotations

import re
from typing import NamedTuple, Optional

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
        return cls(descriptor_platform.get("os", "?"), descriptor_platform.get("architecture", "?"),
                   descriptor_platform.get("variant") or None)


def parse_image(ref: str) -> ImageRef:
    """Parse ``<prefix>/<repository>:<tag>``; raise ValueError saying what is wrong."""
    if not isinstance(ref, str) or not ref.strip():
        raise ValueError("image reference is empty; expected <prefix>/<repository>:<tag>")
    ref = ref.strip()
    if "@" in ref:
        raise ValueError(
            f"image {ref!r} is pinned by digest: a first pull by digest does not fill a "
            "pull-through cache; use a tag (<prefix>/<repository>:<tag>)")
    name, sep, tag = ref.rpartition(":")
    if not sep or "/" in tag:
        raise ValueError(f"image {ref!r} has no tag; expected <prefix>/<repository>:<tag>, e.g. ecr-public/nginx/nginx:1.27")
    if not REPOSITORY_RE.fullmatch(name):
        raise ValueError(
            f"image {ref!r}: repository {name!r} is not a valid name (lowercase letters, digits and "
            "separators . _ __ - between them, path segments joined by /)")
    if "/" not in name:
        raise ValueError(f"image {ref!r} has no cache prefix; expected <prefix>/<repository>:<tag>")
    if not TAG_RE.fullmatch(tag):
        raise ValueError(
            f"image {ref!r}: tag {tag!r} is not valid (1-128 of A-Z a-z 0-9 _ . -, not starting with . or -)")
    return ImageRef(name, tag)


def parse_platform(s: str) -> Platform:
    """Parse ``os/arch[/variant]`` such as ``linux/arm64`` or ``linux/arm/v7``."""
    parts = s.split("/") if isinstance(s, str) else []
    if len(parts) not in (2, 3) or not all(_PLATFORM_PART.fullmatch(p) for p in parts):
        raise ValueError(f"platform {s!r} is not of the form os/arch[/variant], e.g. linux/arm64")
    return Platform(*parts) if len(parts) == 3 else Platform(parts[0], parts[1])
