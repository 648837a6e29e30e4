"""Image references as workloads write them (``nginx``, ``quay.io/prometheus/prometheus:v3``), normalised the
way Docker reads them: the grammar of github.com/distribution/reference. I/O-free and stdlib only.

``[domain/]path[:tag][@digest]``. The first path component is a registry host when it holds a "." or a ":",
is "localhost", or has a capital letter; otherwise the image is on Docker Hub, where a one-component name is
an official image under ``library/``.
"""

from __future__ import annotations

import re
from typing import NamedTuple, NoReturn, Optional

from .images import REPOSITORY_RE, TAG_RE, docker_hub_path
from .upstreams import DOCKER_HUB_DOMAIN, DOCKER_HUB_HOSTS

_HOST_LABEL = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
DOMAIN_RE = re.compile(rf"(?:{_HOST_LABEL}(?:\.{_HOST_LABEL})*|\[[0-9A-Fa-f:]+\])(?::[0-9]+)?")
# The digest algorithms go-digest registers, each with its hex length (lower case).
DIGEST_RE = re.compile(r"sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128}")
IDENTIFIER_RE = re.compile(r"[a-f0-9]{64}")  # an image id: refused as a name (it would be read as one)
PATH_MAX = 255  # distribution/reference RepositoryNameTotalLengthMax: the path, without the domain (since 2024)
SHORT_FIRST = r"[a-z0-9]+(?:(?:_|__|-+)[a-z0-9]+)*"  # a first component Docker reads as Docker Hub's


class InvalidReference(ValueError):
    """Not an image reference Docker would accept."""


class Reference(NamedTuple):
    """An image reference as a workload writes it, normalised the way Docker reads it.

    ``domain`` is ``docker.io`` for Docker Hub (however it was written), otherwise the host as written (hosts
    compare case-insensitively: :attr:`host`), ``path`` the repository path (``library/nginx``), ``tag`` and
    ``digest`` as written (None when absent: no tag is invented).
    """

    domain: str
    path: str
    tag: Optional[str] = None
    digest: Optional[str] = None

    @property
    def host(self) -> str:
        """The domain in lower case, as registries (DNS names) compare it."""
        return self.domain.lower()

    @property
    def suffix(self) -> str:
        """``:<tag>``, ``@<digest>``, both, or nothing: as written."""
        return (f":{self.tag}" if self.tag is not None else "") + (f"@{self.digest}" if self.digest else "")

    def __str__(self) -> str:
        return f"{self.domain}/{self.path}{self.suffix}"


def _fail(ref: str, problem: str) -> NoReturn:
    raise InvalidReference(f"image reference {ref!r}: {problem}")


def _split_tag(ref: str, name: str) -> tuple[str, Optional[str]]:
    colon = name.rfind(":")
    if colon <= name.rfind("/"):
        return name, None
    tag = name[colon + 1 :]
    if not TAG_RE.fullmatch(tag):
        _fail(ref, f"tag {tag!r} is not valid (1-128 of A-Z a-z 0-9 _ . -, not starting with . or -)")
    return name[:colon], tag


def parse_reference(text: str) -> Reference:
    """Parse and normalise an image reference the way Docker does (``nginx`` -> ``docker.io/library/nginx``):
    distribution/reference's grammar and limits, nothing trimmed.

    :raises InvalidReference: saying what is wrong (empty, white space, upper-case repository, a 64-hex name, bad
        tag or digest, a path longer than 255 characters).
    """
    if not isinstance(text, str) or not text:
        raise InvalidReference("image reference is empty")
    ref = text
    if ref != ref.strip():
        _fail(ref, "white space around it (write the reference alone)")
    if any(c.isspace() for c in ref):
        _fail(ref, "contains white space")
    if IDENTIFIER_RE.fullmatch(ref):
        _fail(ref, "64 hexadecimal characters name an image id, not a repository")
    name, at, digest = ref.partition("@")
    if at and not DIGEST_RE.fullmatch(digest):
        _fail(ref, f"digest {digest!r} is not valid (sha256: and 64 lower-case hex digits, or sha384 / sha512)")
    name, tag = _split_tag(ref, name)
    slash = name.find("/")
    first = name[:slash]
    if slash == -1 or ("." not in first and ":" not in first and first != "localhost" and first == first.lower()):
        domain, path = DOCKER_HUB_DOMAIN, name
    else:
        domain, path = first, name[slash + 1 :]
        if not DOMAIN_RE.fullmatch(domain):
            _fail(ref, f"{domain!r} is not a valid registry host")
    if domain.lower() in DOCKER_HUB_HOSTS:
        domain, path = DOCKER_HUB_DOMAIN, docker_hub_path(path)
    if not REPOSITORY_RE.fullmatch(path):
        lower = " (repository names are lower case)" if path.lower() != path else ""
        _fail(
            ref,
            f"repository {path!r} is not a valid name{lower}: lower-case letters, digits and separators . _ __ - "
            "between them, path segments joined by /",
        )
    if len(path) > PATH_MAX:
        _fail(ref, f"the repository path is longer than {PATH_MAX} characters")
    return Reference(domain, path, tag, digest or None)


__all__ = [
    "DIGEST_RE",
    "DOMAIN_RE",
    "IDENTIFIER_RE",
    "PATH_MAX",
    "SHORT_FIRST",
    "InvalidReference",
    "Reference",
    "parse_reference",
]
