"""Image references as workloads write them (``nginx``, ``quay.io/prometheus/prometheus:v3``), normalised the
way Docker reads them: the grammar of github.com/distribution/reference. I/O-free and stdlib only.

``[domain/]path[:tag][@digest]``. The first path component is a registry host when it holds a "." or a ":",
is "localhost", or has a capital letter; otherwise the image is on Docker Hub, where a one-component name is
an official image under ``library/``.
"""

from __future__ import annotations

import re
from typing import NamedTuple, Optional

from .images import REPOSITORY_RE, TAG_RE, docker_hub_path
from .upstreams import DOCKER_HUB_DOMAIN, DOCKER_HUB_HOSTS

_HOST_LABEL = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
DOMAIN_RE = re.compile(rf"(?:{_HOST_LABEL}(?:\.{_HOST_LABEL})*|\[[0-9A-Fa-f:]+\])(?::[0-9]+)?")
# The digest algorithms go-digest registers, each with its hex length (lower case).
DIGEST_RE = re.compile(r"sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128}")
NAME_MAX = 255  # distribution/reference NameTotalLengthMax: domain and path together
ECR_REPOSITORY_MAX = 256  # ECR's RepositoryName limit (botocore's ECR model)
SHORT_FIRST = r"[a-z0-9]+(?:(?:_|__|-+)[a-z0-9]+)*"  # a first component Docker reads as Docker Hub's


class Reference(NamedTuple):
    """An image reference as a workload writes it, normalised the way Docker reads it.

    ``domain`` is ``docker.io`` for Docker Hub (however it was written), ``path`` the repository path
    (``library/nginx``), ``tag`` and ``digest`` as written (None when absent: no tag is invented).
    """

    domain: str
    path: str
    tag: Optional[str] = None
    digest: Optional[str] = None

    @property
    def suffix(self) -> str:
        """``:<tag>``, ``@<digest>``, both, or nothing: as written."""
        return (f":{self.tag}" if self.tag is not None else "") + (f"@{self.digest}" if self.digest else "")

    def __str__(self) -> str:
        return f"{self.domain}/{self.path}{self.suffix}"


def parse_reference(text: str) -> Reference:
    """Parse and normalise an image reference the way Docker does (``nginx`` -> ``docker.io/library/nginx``).

    :raises ValueError: saying what is wrong (empty, upper-case repository, bad tag or digest, too long).
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("image reference is empty")
    ref = text.strip()
    if any(c.isspace() for c in ref):
        raise ValueError(f"image reference {ref!r} contains white space")
    name, at, digest = ref.partition("@")
    if at and not DIGEST_RE.fullmatch(digest):
        raise ValueError(
            f"image reference {ref!r}: digest {digest!r} is not valid (sha256: and 64 lower-case hex digits)"
        )
    colon = name.rfind(":")
    tag: Optional[str] = None
    if colon > name.rfind("/"):
        name, tag = name[:colon], name[colon + 1 :]
        if not TAG_RE.fullmatch(tag):
            raise ValueError(
                f"image reference {ref!r}: tag {tag!r} is not valid (1-128 of A-Z a-z 0-9 _ . -, "
                "not starting with . or -)"
            )
    slash = name.find("/")
    first = name[:slash]
    if slash == -1 or ("." not in first and ":" not in first and first != "localhost" and first == first.lower()):
        domain, path = DOCKER_HUB_DOMAIN, name
    else:
        domain, path = first, name[slash + 1 :]
        if not DOMAIN_RE.fullmatch(domain):
            raise ValueError(f"image reference {ref!r}: {domain!r} is not a valid registry host")
    if domain in DOCKER_HUB_HOSTS:
        domain, path = DOCKER_HUB_DOMAIN, docker_hub_path(path)
    if not REPOSITORY_RE.fullmatch(path):
        lower = " (repository names are lower case)" if path.lower() != path else ""
        raise ValueError(
            f"image reference {ref!r}: repository {path!r} is not a valid name{lower}: lower-case letters, "
            "digits and separators . _ __ - between them, path segments joined by /"
        )
    if len(name) > NAME_MAX:
        raise ValueError(f"image reference {ref!r}: the name is longer than {NAME_MAX} characters")
    return Reference(domain, path, tag, digest or None)


__all__ = ["DIGEST_RE", "DOMAIN_RE", "ECR_REPOSITORY_MAX", "NAME_MAX", "SHORT_FIRST", "Reference", "parse_reference"]
