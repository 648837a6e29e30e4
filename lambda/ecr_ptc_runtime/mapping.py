"""Where an upstream reference lives in the cache: the rule that covers it, and its cache URI.

The one mapping ``ecr-ptc uri``, ``ecr-ptc rewrite``, doctor and the Kyverno policy's patterns share (the
patterns are tested against it). I/O-free and stdlib only.
"""

from __future__ import annotations

from typing import NamedTuple, Optional, Protocol, Sequence

from .images import REPOSITORY_RE, best_prefix, cache_reference, cache_repository
from .references import Reference, parse_reference
from .upstreams import UPSTREAMS

# ECR's RepositoryName: 2-256 characters of the same grammar as a reference's path (botocore's ECR model,
# https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html).
ECR_REPOSITORY_MIN, ECR_REPOSITORY_MAX = 2, 256


class CannotHold(ValueError):
    """A valid reference that ECR cannot cache through its rule (too long a repository name, or a name that
    lands under another rule's prefix)."""


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
    return UPSTREAMS[rule.upstream].reference_hosts(rule.upstream_url)


def upstream_prefix_of(rule: CacheRule) -> str:
    """The rule's upstream prefix, ``""`` for none (or ``ROOT``)."""
    return "" if rule.upstream_prefix in (None, "ROOT") else str(rule.upstream_prefix)


def mapping_order(rules: Sequence[CacheRule]) -> list[CacheRule]:
    """The order in which rules claim references: the longest upstream prefix first, then config order."""
    return sorted(rules, key=lambda r: -len(upstream_prefix_of(r)))


def rule_repository(rule: CacheRule, reference: Reference) -> Optional[str]:
    """The repository under ``rule``'s prefix that caches ``reference``, or None when the rule does not cover it
    (another registry, or outside its upstream prefix): ``quay.io/prometheus/prometheus`` -> ``prometheus/prometheus``."""
    if reference.host not in reference_hosts(rule):
        return None
    upstream_prefix = upstream_prefix_of(rule)
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
    :raises InvalidReference: for a reference Docker would refuse.
    :raises CannotHold: for a valid reference ECR cannot cache through its rule.
    """
    ref = parse_reference(reference) if isinstance(reference, str) else reference
    if in_cache(ref, registry):
        prefix = best_prefix(ref.path, [r.prefix for r in rules]) or ""
        return CacheMapping(ref, prefix, ref.path, f"{registry}/{ref.path}{ref.suffix}")
    covering = [(rule, repo) for rule in mapping_order(rules) if (repo := rule_repository(rule, ref)) is not None]
    if not covering:
        return None
    rule, repository = covering[0]
    best = len(upstream_prefix_of(rule))
    also = tuple(r.prefix for r, _ in covering[1:] if len(upstream_prefix_of(r)) == best)
    path = cache_repository(rule.prefix, repository)
    check_holdable(path, rule, rules, str(ref))
    uri = cache_reference(registry, rule.prefix, repository, ref.tag, ref.digest)
    return CacheMapping(ref, rule.prefix, path, uri, also)


def check_holdable(path: str, rule: CacheRule, rules: Sequence[CacheRule], written: str) -> None:
    """Can ECR hold ``path`` as a repository of ``rule``? ECR routes a pull to the rule with the longest prefix of
    the repository name, so a path under another rule's prefix (a ``ROOT`` rule's ``hub/x`` next to a ``hub``
    rule) is pulled through that other rule.

    :raises CannotHold: saying why, and which rule wins.
    """
    if not ECR_REPOSITORY_MIN <= len(path) <= ECR_REPOSITORY_MAX or not REPOSITORY_RE.fullmatch(path):
        raise CannotHold(
            f"ECR cannot hold this repository: {written!r} would be cached as {path!r} ({len(path)} characters; "
            f"ECR repository names have {ECR_REPOSITORY_MIN} to {ECR_REPOSITORY_MAX})"
        )
    winner = best_prefix(path, [r.prefix for r in rules])
    if winner != rule.prefix:
        other = next(r for r in rules if r.prefix == winner)
        raise CannotHold(
            f"ECR cannot hold this repository: {written!r} would be cached as {path!r} by the {rule.prefix!r} rule, "
            f"but that name is under the {winner!r} rule's prefix, so ECR pulls it from {other.upstream} (the "
            f"{winner!r} rule wins)"
        )


def root_overlaps(rules: Sequence[CacheRule]) -> list[str]:
    """Warnings for a ``ROOT`` rule next to prefixed rules: its upstream paths that begin with another rule's prefix
    are pulled through that rule instead (``quay.io/hub/x`` is ``hub/x``, which a ``hub`` rule claims)."""
    prefixes = [r.prefix for r in rules if r.prefix != "ROOT"]
    return [
        f"the ROOT rule ({r.upstream}) caches upstream paths 1:1, but ECR pulls names under "
        f"{', '.join(p + '/' for p in prefixes)} through those rules: images of {reference_hosts(r)[-1]} whose path "
        "starts so cannot be cached (ecr-ptc uri names the rule that wins); give the ROOT rule a prefix to avoid it"
        for r in rules
        if r.prefix == "ROOT" and prefixes
    ]


def in_cache(reference: Reference, registry: str) -> bool:
    """Does the reference already point at the cache registry?"""
    return reference.host == registry.lower()


__all__ = [
    "ECR_REPOSITORY_MAX",
    "ECR_REPOSITORY_MIN",
    "CacheMapping",
    "CannotHold",
    "CacheRule",
    "in_cache",
    "map_reference",
    "mapping_order",
    "reference_hosts",
    "root_overlaps",
    "rule_repository",
    "check_holdable",
    "upstream_prefix_of",
]
