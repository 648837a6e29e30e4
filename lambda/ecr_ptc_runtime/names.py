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
from typing import NamedTuple, Optional, Protocol, Sequence


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


# --- what workloads name: upstream references, and their place in the cache -------------------
# Docker's reference grammar and normalisation (github.com/distribution/reference):
# ``[domain/]path[:tag][@digest]``. The first path component is a registry host when it holds a
# "." or a ":", is "localhost", or has a capital letter; otherwise the image is on Docker Hub,
# where a one-component name is an official image under ``library/``.
DOCKER_HUB_DOMAIN = "docker.io"
# How references name Docker Hub: Docker's own two names, and the API host a cache rule uses
# (``registry-1.docker.io``, read as docker.io here so that its official images get library/ too).
DOCKER_HUB_HOSTS = ("docker.io", "index.docker.io", "registry-1.docker.io")
_HOST_LABEL = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
DOMAIN_RE = re.compile(rf"(?:{_HOST_LABEL}(?:\.{_HOST_LABEL})*|\[[0-9A-Fa-f:]+\])(?::[0-9]+)?")
# The digest algorithms go-digest registers, each with its hex length (lower case).
DIGEST_RE = re.compile(r"sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128}")
NAME_MAX = 255  # distribution/reference NameTotalLengthMax: domain and path together
ECR_REPOSITORY_MAX = 256  # ECR's RepositoryName limit (botocore's ECR model)
_SHORT_FIRST = r"[a-z0-9]+(?:(?:_|__|-+)[a-z0-9]+)*"  # a first component Docker reads as Docker Hub's


def docker_hub_path(path: str) -> str:
    """Docker Hub keeps official images under ``library/``: ``nginx`` -> ``library/nginx``; longer paths as they are."""
    return path if "/" in path else f"library/{path}"


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


class CacheRule(Protocol):
    """What mapping references needs of a cache rule (``ecr_ptc.UpstreamRule`` has it)."""

    @property
    def upstream(self) -> str: ...

    @property
    def prefix(self) -> str: ...

    @property
    def upstream_url(self) -> str: ...

    @property
    def upstream_prefix(self) -> Optional[str]: ...


def reference_hosts(rule: CacheRule) -> tuple[str, ...]:
    """The registry hosts by which references name the rule's upstream (lower case, as Docker compares them)."""
    return DOCKER_HUB_HOSTS if rule.upstream == "docker-hub" else (rule.upstream_url,)


def _upstream_prefix(rule: CacheRule) -> str:
    return "" if rule.upstream_prefix in (None, "ROOT") else str(rule.upstream_prefix)


def mapping_order(rules: Sequence[CacheRule]) -> list[CacheRule]:
    """The order in which rules claim references: the longest upstream prefix first, then config order."""
    return sorted(rules, key=lambda r: -len(_upstream_prefix(r)))


def rule_repository(rule: CacheRule, reference: Reference) -> Optional[str]:
    """The repository under ``rule``'s prefix that caches ``reference``, or None when the rule does not cover it
    (another registry, or outside its upstream prefix): ``quay.io/prometheus/prometheus`` -> ``prometheus/prometheus``."""
    if reference.domain not in reference_hosts(rule):
        return None
    upstream_prefix = _upstream_prefix(rule)
    if not upstream_prefix:
        return reference.path
    if reference.path.startswith(upstream_prefix + "/"):
        return reference.path[len(upstream_prefix) + 1 :]
    return None


class CacheMapping(NamedTuple):
    """Where an upstream reference lives in the cache."""

    reference: Reference  # normalised, as parsed
    prefix: str  # the rule's prefix
    repository: str  # the cache repository (``docker-hub/library/nginx``)
    uri: str  # ``<registry>/<repository>`` with the reference's own tag and digest (none invented)
    also: tuple[str, ...] = ()  # prefixes of other rules that cover it as well (the first rule wins)

    @property
    def uri_with_tag(self) -> str:
        """``uri``, with Docker's default tag ``latest`` written out when the reference has neither tag nor digest."""
        ref = self.reference
        return self.uri if ref.tag is not None or ref.digest else f"{self.uri}:latest"

    @property
    def warnings(self) -> list[str]:
        """What to know before using ``uri``: a digest pin that cannot fill the cache, a rule chosen among several."""
        ref = self.reference
        notes = []
        if ref.digest:
            tag = ref.tag if ref.tag is not None else "<tag>"
            notes.append(
                "pinned by digest: a first pull by digest does not fill a pull-through cache; pull it by tag "
                f"once (ecr-ptc warm {self.repository}:{tag}) before pulling by digest"
            )
        if self.also:
            notes.append(f"also covered by the rule(s) {', '.join(self.also)}; the {self.prefix!r} rule is used")
        return notes


def map_reference(reference: "Reference | str", rules: Sequence[CacheRule], registry: str) -> Optional[CacheMapping]:
    """The cache URI of an upstream reference: the rule of its registry (and upstream prefix) that covers it.

    The longest upstream prefix wins, then the first rule in order. None when no rule covers it (nothing is
    guessed). A reference already in ``registry`` is returned as it is, with prefix and repository from its path.

    :param reference: ``nginx``, ``quay.io/prometheus/prometheus:v3``... or a parsed :class:`Reference`.
    :param rules: the cache rules.
    :param registry: ``<account>.dkr.ecr.<region>.amazonaws.com``.
    :raises ValueError: for a reference Docker would refuse, or a cache repository longer than ECR allows.
    """
    ref = parse_reference(reference) if isinstance(reference, str) else reference
    if ref.domain == registry:
        prefix = best_prefix(ref.path, [r.prefix for r in rules]) or ""
        return CacheMapping(ref, prefix, ref.path, f"{registry}/{ref.path}{ref.suffix}")
    covering = [(rule, repo) for rule in mapping_order(rules) if (repo := rule_repository(rule, ref)) is not None]
    if not covering:
        return None
    rule, repository = covering[0]
    best = len(_upstream_prefix(rule))
    also = tuple(r.prefix for r, _ in covering[1:] if len(_upstream_prefix(r)) == best)
    path = cache_repository(rule.prefix, repository)
    if len(path) > ECR_REPOSITORY_MAX:
        raise ValueError(f"image reference {str(ref)!r}: cache repository {path!r} is longer than ECR's 256 characters")
    uri = cache_reference(registry, rule.prefix, repository, ref.tag, ref.digest)
    return CacheMapping(ref, rule.prefix, path, uri, also)


def in_cache(reference: Reference, registry: str) -> bool:
    """Does the reference already point at the cache registry?"""
    return reference.domain == registry


# --- the same mapping as regular expressions (RE2 and Python alike), for admission controllers -----
_C = _COMPONENT  # one path component
# Tag and digest without their lengths: references that reach a pattern are valid ones (parse_reference
# checks the lengths), and a policy engine's own "{{ }}" variable syntax is best kept free of braces.
_SUFFIX = r"(?::[A-Za-z0-9_][A-Za-z0-9._-]*)?(?:@sha(?:256|384|512):[a-f0-9]+)?"


def _literal(text: str) -> str:
    """A host or prefix as a regular expression (their only special character is the dot)."""
    return text.replace(".", r"\.")


class RewritePattern(NamedTuple):
    """``match`` (anchored) with its ``replacement`` (``$1``: the captured rest): a written reference that
    matches and does not match ``unless`` is rewritten. The patterns of :func:`rewrite_patterns`, tried in
    order and the first match only, give what :func:`map_reference` gives, as written (no tag invented)."""

    prefix: str  # the rule's prefix
    match: str
    replacement: str
    unless: Optional[str] = None


def rewrite_patterns(rules: Sequence[CacheRule], registry: str) -> list[RewritePattern]:
    """The mapping of :func:`map_reference` as regular expressions over references as written, in the order
    they must be tried (:func:`mapping_order`): what a Kyverno policy runs at admission."""
    patterns: list[RewritePattern] = []
    for rule in mapping_order(rules):
        upstream_prefix = _upstream_prefix(rule)

        def target(rest: str, rule: CacheRule = rule) -> str:
            return f"{registry}/{cache_repository(rule.prefix, rest)}"

        any_path = rf"((?:{_C}/)*{_C}{_SUFFIX})"
        if rule.upstream != "docker-hub":
            hosts = "|".join(_literal(h) for h in reference_hosts(rule))
            under = f"{_literal(upstream_prefix)}/" if upstream_prefix else ""
            patterns.append(RewritePattern(rule.prefix, f"^(?:{hosts})/{under}{any_path}$", target("$1")))
            continue
        hub = "(?:" + "|".join(_literal(h) for h in DOCKER_HUB_HOSTS) + ")"
        if not upstream_prefix:
            # nginx, docker.io/nginx: an official image; docker.io/a/b and a/b: as they are
            patterns.append(
                RewritePattern(rule.prefix, rf"^(?:{hub}/)?({_C}{_SUFFIX})$", target(docker_hub_path("$1")))
            )
            patterns.append(RewritePattern(rule.prefix, rf"^{hub}/({_C}(?:/{_C})+{_SUFFIX})$", target("$1")))
            patterns.append(
                RewritePattern(
                    rule.prefix, rf"^({_SHORT_FIRST}(?:/{_C})+{_SUFFIX})$", target("$1"), unless="^localhost/"
                )
            )
            continue
        under = _literal(upstream_prefix)
        if upstream_prefix == "library":  # nginx is library/nginx
            patterns.append(RewritePattern(rule.prefix, rf"^(?:{hub}/)?({_C}{_SUFFIX})$", target("$1")))
        patterns.append(RewritePattern(rule.prefix, rf"^{hub}/{under}/{any_path}$", target("$1")))
        first = upstream_prefix.split("/", 1)[0]
        if re.fullmatch(_SHORT_FIRST, first) and first != "localhost":
            patterns.append(RewritePattern(rule.prefix, rf"^{under}/{any_path}$", target("$1")))
    return patterns


def apply_patterns(patterns: Sequence[RewritePattern], written: str) -> Optional[str]:
    """What the first matching pattern makes of ``written`` (Python's ``re``, as an admission controller's RE2
    would), or None when none matches."""
    for p in patterns:
        if re.match(p.match, written) and not (p.unless and re.match(p.unless, written)):
            return re.sub(p.match, p.replacement.replace("$1", r"\1"), written)
    return None
