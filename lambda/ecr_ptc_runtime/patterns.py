"""The cache mapping as regular expressions (RE2 and Python alike), for admission controllers (the Kyverno policy
of ``ecr-ptc uri --kyverno``). The tests run every pattern with RE2 semantics against the mapping's own table."""

from __future__ import annotations

import re
from typing import NamedTuple, Optional, Sequence

from .images import _COMPONENT, cache_repository, docker_hub_path
from .mapping import CacheRule, mapping_order, reference_hosts, upstream_prefix_of
from .references import SHORT_FIRST
from .upstreams import DOCKER_HUB_HOSTS

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
    order and the first match only, give what ``mapping.map_reference`` gives, as written (no tag invented)."""

    prefix: str  # the rule's prefix
    match: str
    replacement: str
    unless: Optional[str] = None


def rewrite_patterns(rules: Sequence[CacheRule], registry: str) -> list[RewritePattern]:
    """The mapping of ``map_reference`` as regular expressions over references as written, in the order
    they must be tried (``mapping_order``): what a Kyverno policy runs at admission."""
    patterns: list[RewritePattern] = []
    for rule in mapping_order(rules):
        upstream_prefix = upstream_prefix_of(rule)

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
                    rule.prefix, rf"^({SHORT_FIRST}(?:/{_C})+{_SUFFIX})$", target("$1"), unless="^localhost/"
                )
            )
            continue
        under = _literal(upstream_prefix)
        if upstream_prefix == "library":  # nginx is library/nginx
            patterns.append(RewritePattern(rule.prefix, rf"^(?:{hub}/)?({_C}{_SUFFIX})$", target("$1")))
        patterns.append(RewritePattern(rule.prefix, rf"^{hub}/{under}/{any_path}$", target("$1")))
        first = upstream_prefix.split("/", 1)[0]
        if re.fullmatch(SHORT_FIRST, first) and first != "localhost":
            patterns.append(RewritePattern(rule.prefix, rf"^{under}/{any_path}$", target("$1")))
    return patterns


__all__ = ["RewritePattern", "rewrite_patterns"]
