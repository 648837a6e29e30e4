"""Which upstream repositories a cache rule lets in: ``allow`` and ``deny`` patterns, and their one matcher.

I/O-free, with no CDK or boto3 import, in the runtime package so that the settings, the policy builders,
the Lambda and the CLI read the same shape check and the same matching. Patterns are upstream repository
paths as the upstream names them (``library/*``, ``bitnami/postgresql``; with an upstream prefix, that
prefix included), with IAM's wildcards, because the stacks write them into the ``Resource`` of the import
actions: ``*`` matches any run of characters, ``/`` included, ``?`` exactly one character, and names compare
case-sensitively (IAM user guide, "IAM JSON policy elements: Resource", Using wildcards in resource ARNs:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, Optional, Protocol, Sequence

# Repository-name characters (ECR's RepositoryName: lower-case letters, digits, . _ - and /) and IAM's two
# wildcards. ECR's RepositoryName is at most 256 characters.
PATTERN_RE = re.compile(r"[a-z0-9._/*?-]+")
MAX_PATTERN_LENGTH = 256


def pattern_problem(
    pattern: object, upstream_prefix: Optional[str] = None, upstream: Optional[str] = None
) -> Optional[str]:
    """What is wrong with one ``allow``/``deny`` pattern, or None when it is well formed.

    :param upstream_prefix: the rule's upstream prefix (None or ``ROOT``: none); a pattern must start with it.
    :param upstream: the rule's upstream (``docker-hub`` refuses a one-component name: official images live
        under ``library/``).
    """
    if not isinstance(pattern, str) or not pattern:
        return f"{pattern!r} is not a repository pattern (a string such as 'library/*')"
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"{pattern!r} is longer than ECR's {MAX_PATTERN_LENGTH}-character repository names"
    if not PATTERN_RE.fullmatch(pattern):
        return (
            f"{pattern!r} holds characters a repository name cannot (lower-case letters, digits, '.', '_', '-', "
            "'/', and the wildcards '*' and '?')"
        )
    if pattern.startswith("/") or pattern.endswith("/") or "//" in pattern:
        return f"{pattern!r} has an empty path segment (a leading, trailing or doubled '/')"
    under = "" if upstream_prefix in (None, "ROOT") else f"{upstream_prefix}/"
    if under and not pattern.startswith(under):
        return (
            f"{pattern!r} does not start with the rule's upstream prefix {under!r}: patterns name upstream "
            "repositories as the upstream names them"
        )
    if upstream == "docker-hub" and not under and "/" not in pattern and "*" not in pattern:
        return f"{pattern!r} names no Docker Hub repository: official images live under library/ (library/{pattern})"
    return None


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.DOTALL)


def matches(pattern: str, name: str) -> bool:
    """IAM's wildcard match of a whole name: ``*`` any run of characters (``/`` too), ``?`` one, case-sensitive."""
    return _compiled(pattern).fullmatch(name) is not None


def cache_pattern(prefix: str, upstream_prefix: Optional[str], pattern: str) -> str:
    """The cache repository-name pattern of an upstream pattern: ``docker-hub`` + ``library/*`` ->
    ``docker-hub/library/*``; with upstream prefix ``team``, ``team/app*`` under ``mirror`` -> ``mirror/app*``."""
    rest = pattern if upstream_prefix in (None, "ROOT") else pattern[len(str(upstream_prefix)) + 1 :]
    return rest if prefix == "ROOT" else f"{prefix}/{rest}"


def upstream_path(prefix: str, upstream_prefix: Optional[str], repository: str) -> Optional[str]:
    """The upstream path of a cache repository (the inverse of :func:`cache_pattern` for plain names), or None
    when the repository is not under ``prefix``."""
    if prefix != "ROOT":
        if not repository.startswith(prefix + "/"):
            return None
        repository = repository[len(prefix) + 1 :]
    return repository if upstream_prefix in (None, "ROOT") else f"{upstream_prefix}/{repository}"


class Refusal(NamedTuple):
    """Why a rule does not let an upstream repository in: the list (``allow`` or ``deny``) and the pattern."""

    prefix: str  # the rule's prefix
    which: str  # "allow" (named by none of its patterns) or "deny" (named by ``pattern``)
    pattern: Optional[str]  # the deny pattern that names it; None for an allow-list miss
    path: str  # the upstream path refused

    def __str__(self) -> str:
        if self.which == "deny":
            return f"{self.path!r} is refused by rules[prefix={self.prefix}].deny ({self.pattern!r})"
        return f"{self.path!r} is not in rules[prefix={self.prefix}].allow"


def refusal(prefix: str, allow: Sequence[str], deny: Sequence[str], path: str) -> Optional[Refusal]:
    """Why ``path`` (an upstream path) may not enter the cache through this rule, or None when it may.

    Deny wins over allow, as an explicit Deny does in IAM; an empty ``allow`` lets everything in."""
    for pattern in deny:
        if matches(pattern, path):
            return Refusal(prefix, "deny", pattern, path)
    if allow and not any(matches(pattern, path) for pattern in allow):
        return Refusal(prefix, "allow", None, path)
    return None


class Listed(Protocol):
    """What the runtime needs of a rule to check a cache repository (an ``UpstreamRule`` has these)."""

    @property
    def prefix(self) -> str: ...

    @property
    def upstream_prefix(self) -> Optional[str]: ...

    @property
    def allow(self) -> tuple[str, ...]: ...

    @property
    def deny(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class RuleLists:
    """A rule's lists as the warmer's functions receive them (custom resource ``Lists``, schedule ``lists``)."""

    prefix: str
    upstream_prefix: Optional[str]
    allow: tuple[str, ...]
    deny: tuple[str, ...]


def lists_json(rules: Sequence[Listed]) -> list[dict]:
    """The restricted rules' lists as JSON, for the warmer's inputs (empty when no rule has lists)."""
    return [
        {
            "prefix": r.prefix,
            **({"upstreamPrefix": r.upstream_prefix} if r.upstream_prefix not in (None, "ROOT") else {}),
            "allow": list(r.allow),
            "deny": list(r.deny),
        }
        for r in rules
        if r.allow or r.deny
    ]


def lists_of(value: object) -> list[RuleLists]:
    """What :func:`lists_json` wrote, read back (raises ValueError for anything else)."""
    if not isinstance(value, list):
        raise ValueError(f"the rules' lists are not a JSON list: {value!r}"[:300])
    out = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("prefix"), str):
            raise ValueError(f"a rule's lists are malformed: {item!r}"[:300])
        upstream = item.get("upstreamPrefix")
        allow, deny = item.get("allow") or [], item.get("deny") or []
        if not all(isinstance(p, str) for p in (*allow, *deny)):
            raise ValueError(f"a rule's patterns are not strings: {item!r}"[:300])
        out.append(
            RuleLists(item["prefix"], upstream if isinstance(upstream, str) else None, tuple(allow), tuple(deny))
        )
    return out


class Prefixed(Protocol):
    """A rule as the mapping knows it (``mapping.CacheRule``); its ``allow``/``deny``, when it has them, are read."""

    @property
    def prefix(self) -> str: ...

    @property
    def upstream_prefix(self) -> Optional[str]: ...


def repository_refusal(rules: Sequence[Prefixed], repository: str) -> Optional[Refusal]:
    """Why the cache repository ``repository`` (``docker-hub/library/nginx``) may not be filled, or None.

    The rule with the longest prefix that covers it decides (``ROOT`` last), as ECR chooses a rule; a
    repository no rule covers is not this module's question (None)."""
    covering = [r for r in rules if r.prefix == "ROOT" or repository.startswith(r.prefix + "/")]
    if not covering:
        return None
    rule = max(covering, key=lambda r: -1 if r.prefix == "ROOT" else len(r.prefix))
    path = upstream_path(rule.prefix, rule.upstream_prefix, repository)
    # a rule without the attributes (a mapping's CacheRule of another make) has no lists
    allow, deny = getattr(rule, "allow", ()), getattr(rule, "deny", ())
    return None if path is None else refusal(rule.prefix, allow, deny, path)


__all__ = [
    "Listed",
    "RuleLists",
    "lists_json",
    "lists_of",
    "MAX_PATTERN_LENGTH",
    "Refusal",
    "cache_pattern",
    "matches",
    "pattern_problem",
    "refusal",
    "repository_refusal",
    "upstream_path",
]
