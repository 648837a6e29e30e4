"""The cache mapping as regular expressions (RE2 and Python alike), for admission controllers (the Kyverno policy
of ``ecr-ptc uri --kyverno``). The tests run every pattern with RE2 semantics against the mapping's own table.

A pattern refuses what ``ecr-ptc uri`` refuses: tags of more than 128 characters, digests of the wrong length,
a 64-hex name, paths longer than 255 characters, cache repositories ECR cannot hold (shorter than 2 or longer than
256 characters, or under another rule's prefix), each through an ``unless`` expression (RE2 has no look-ahead).
"""

from __future__ import annotations

import re
from typing import NamedTuple, Sequence

from .allow import cache_pattern
from .images import _COMPONENT, cache_repository
from .mapping import ECR_REPOSITORY_MAX, CacheRule, mapping_order, reference_hosts, upstream_prefix_of
from .references import PATH_MAX, SHORT_FIRST
from .upstreams import DOCKER_HUB_HOSTS

_C = _COMPONENT  # one path component
_TAG = r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}"
_DIGEST = r"sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128}"
_SUFFIX = rf"(?::{_TAG})?(?:@(?:{_DIGEST}))?"
_PATH_CHAR = "[a-z0-9._/-]"
_NAME_CHAR = "[a-z0-9._-]"
_ANY_PATH = rf"(?:{_C}/)*{_C}"


def _literal(text: str) -> str:
    """A host or prefix as a regular expression (their only special character is the dot)."""
    return text.replace(".", r"\.")


def _hosts(hosts: Sequence[str]) -> str:
    """Hosts compare case-insensitively (DNS names)."""
    return "(?i:" + "|".join(_literal(h) for h in hosts) + ")"


class RewritePattern(NamedTuple):
    """``match`` (anchored) with its ``replacement`` (``$1``: the captured rest): a written reference that
    matches and matches none of ``unless`` is rewritten. Tried in order, each on the image as the earlier ones
    left it (as a Kyverno policy's foreach entries run), they give what ``mapping.map_reference`` gives, as
    written (no tag invented), and leave alone what it refuses."""

    prefix: str  # the rule's prefix
    match: str
    replacement: str
    unless: tuple[str, ...] = ()
    # the rule's allow and deny lists, over the rewritten image: it must match one of ``only`` (when given) and
    # none of ``never``, else the reference is left as written (the cache's policies would deny its import)
    only: tuple[str, ...] = ()
    never: tuple[str, ...] = ()


def _listed(registry: str, patterns: Sequence[str]) -> tuple[str, ...]:
    """Cache repository-name patterns (IAM's ``*`` and ``?``) as regular expressions over a rewritten image
    ``<registry>/<repository>[:tag][@digest]`` (a repository holds neither ``:`` nor ``@``)."""
    out = []
    for pattern in patterns:
        body = "".join("[^:@]*" if c == "*" else "[^:@]" if c == "?" else re.escape(c) for c in pattern)
        out.append(f"^{_literal(registry)}/{body}{_SUFFIX}$")
    return tuple(out)


class _Form(NamedTuple):
    head: str  # what comes before the captured rest (a regular expression)
    rest: str  # the captured path (a regular expression)
    upstream_lead: str  # what the upstream path has before the rest (its upstream prefix, library/)
    cache_lead: str  # what the cache path has between the rule's prefix and the rest (library/)
    unless: tuple[str, ...] = ()


def _forms(rule: CacheRule) -> list[_Form]:
    """The ways a reference the rule covers is written."""
    upstream_prefix = upstream_prefix_of(rule)
    under = f"{upstream_prefix}/" if upstream_prefix else ""
    if rule.upstream != "docker-hub":
        return [_Form(f"{_hosts(reference_hosts(rule))}/{_literal(under)}", _ANY_PATH, under, "")]
    hub = _hosts(DOCKER_HUB_HOSTS)
    if not upstream_prefix:
        return [  # nginx, docker.io/nginx: an official image; docker.io/a/b and a/b: as they are
            _Form(f"(?:{hub}/)?", _C, "library/", "library/", ("^[a-f0-9]{64}$",)),
            _Form(f"{hub}/", f"{_C}(?:/{_C})+", "", ""),
            _Form("", f"{SHORT_FIRST}(?:/{_C})+", "", "", ("^localhost/",)),
        ]
    forms = []
    if upstream_prefix == "library":  # nginx is library/nginx
        forms.append(_Form(f"(?:{hub}/)?", _C, "library/", "", ("^[a-f0-9]{64}$",)))
    forms.append(_Form(f"{hub}/{_literal(under)}", _ANY_PATH, under, ""))
    first = upstream_prefix.split("/", 1)[0]
    if re.fullmatch(SHORT_FIRST, first) and first != "localhost":
        forms.append(_Form(_literal(under), _ANY_PATH, under, ""))
    return forms


def _exclusions(rule: CacheRule, rules: Sequence[CacheRule], form: _Form) -> "tuple[str, ...] | None":
    """What the form must not rewrite (too long, too short, under another rule's prefix); None: nothing of it."""
    cache_head = "" if rule.prefix == "ROOT" else f"{rule.prefix}/"
    char = _PATH_CHAR if "/" in form.rest else _NAME_CHAR
    longest = min(PATH_MAX - len(form.upstream_lead), ECR_REPOSITORY_MAX - len(cache_head) - len(form.cache_lead))
    out = [*form.unless, f"^{form.head}{char}{{{longest + 1}}}"]
    if not cache_head + form.cache_lead:
        out.append(f"^{form.head}[a-z0-9](?:[:@]|$)")  # ECR's shortest repository name: 2 characters
    for other in rules:
        if other.prefix in ("ROOT", rule.prefix) or not other.prefix.startswith(cache_head):
            continue
        sub = other.prefix[len(cache_head) :]
        if form.cache_lead and sub == form.cache_lead.rstrip("/"):
            return None  # every name of this form lies under the other rule's prefix
        if form.cache_lead:
            continue  # one component after library/: never under a longer prefix
        out.append(f"^{form.head}{_literal(sub)}/")
    return tuple(out)


def rewrite_patterns(rules: Sequence[CacheRule], registry: str) -> list[RewritePattern]:
    """The mapping of ``map_reference`` as regular expressions over references as written, in the order
    they must be tried (``mapping_order``): what a Kyverno policy runs at admission. A reference an earlier
    pattern refuses is refused by the later ones too (``map_reference`` never falls back to another rule)."""
    patterns: list[RewritePattern] = []
    refused: dict[tuple[str, ...], list[str]] = {}  # per upstream host set: only its rules cover the same references
    for rule in mapping_order(rules):
        earlier = refused.setdefault(tuple(sorted(reference_hosts(rule))), [])
        allow, deny = getattr(rule, "allow", ()), getattr(rule, "deny", ())  # the rule's lists, when it has them
        only = _listed(registry, [cache_pattern(rule.prefix, rule.upstream_prefix, p) for p in allow])
        never = _listed(registry, [cache_pattern(rule.prefix, rule.upstream_prefix, p) for p in deny])
        claimed = []
        for form in _forms(rule):
            own = _exclusions(rule, rules, form)
            if own is None:
                continue
            target = f"{registry}/{cache_repository(rule.prefix, form.cache_lead + '$1')}"
            unless = tuple(dict.fromkeys([*own, *earlier]))
            match = f"^{form.head}({form.rest}{_SUFFIX})$"
            patterns.append(RewritePattern(rule.prefix, match, target, unless, only, never))
            earlier += own
            claimed.append(match)
        if only or never:  # what this rule covers but its lists refuse stays as written: no later rule takes it
            earlier += claimed
    return patterns


__all__ = ["RewritePattern", "rewrite_patterns"]
