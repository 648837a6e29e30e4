"""An IAM evaluator for the import actions, from the IAM documentation, applied to synthesized statements.

No well-kept Python IAM policy evaluator installs from PyPI (policy_sentry writes policies, policyuniverse has
had no release since 2023 and expands wildcards without evaluating), so this follows the IAM user guide
itself, written independently of ``ecr_ptc_runtime.allow`` (``fnmatch`` here, a regular expression there):

* "IAM JSON policy elements: Resource" (reference_policies_elements_resource.html): ``*`` matches any
  combination of characters, ``/`` included, ``?`` any single character; resource names compare
  case-sensitively.
* "IAM JSON policy elements: Action": action names compare case-insensitively, with the same wildcards.
* "Policy evaluation logic" (reference_policies_evaluation-logic.html): an explicit Deny in any statement
  wins over every Allow; without an Allow the request is implicitly denied.
"""

from __future__ import annotations

import fnmatch
import itertools
import re
from typing import Any, Iterable, Iterator, Optional

from ecr_ptc_runtime.images import best_prefix
from tests.ecr_ptc.cache.helpers import as_list, flat

IMPORT_ACTIONS = ("ecr:BatchImportUpstreamImage", "ecr:CreateRepository")


def _wild(pattern: str, text: str, *, case: bool) -> bool:
    pattern = pattern.replace("[", "[[]")  # fnmatch's one extra: '[' is a literal in IAM
    return fnmatch.fnmatchcase(text, pattern) if case else fnmatch.fnmatchcase(text.lower(), pattern.lower())


def statement_applies(statement: dict[str, Any], action: str, resource: str) -> bool:
    actions = as_list(statement.get("Action", []))
    resources = as_list(statement.get("Resource", []))
    return any(_wild(a, action, case=False) for a in actions) and any(_wild(r, resource, case=True) for r in resources)


def allows(statements: Iterable[dict[str, Any]], action: str, resource: str) -> bool:
    """Whether the statements, evaluated together, allow ``action`` on ``resource``."""
    allowed = False
    for statement in statements:
        if not statement_applies(statement, action, resource):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = True
    return allowed


def documents(template: dict[str, Any], own_sids: Iterable[str]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """(logical id, statements) of every policy a template writes: managed and inline policies, role inline
    policies, the registry policy (its cache statements: ``own_sids``; the config's own statements are the
    user's), flattened."""
    own = set(own_sids)
    for key, resource in template.get("Resources", {}).items():
        props = resource.get("Properties", {})
        kind = resource.get("Type")
        if kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            yield key, flat(props["PolicyDocument"]["Statement"])
        elif kind == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                yield f"{key}.{policy.get('PolicyName')}", flat(policy["PolicyDocument"]["Statement"])
        elif kind == "AWS::ECR::RegistryPolicy":
            statements = flat(props["PolicyText"]["Statement"])
            yield key, [s for s in statements if s.get("Sid") in own]


def registry_arn(
    template_statements: list[dict[str, Any]], account: str, region: Optional[str] = None
) -> Optional[str]:
    """The ``arn:...:repository/`` head the statements use for ``account`` (literal or a token), in ``region``
    when given: an upstream ECR registry of the same account in another Region is not the cache's."""
    for statement in template_statements:
        for resource in as_list(statement.get("Resource", [])):
            match = REPOSITORY_HEAD.match(resource) if isinstance(resource, str) else None
            if match and match.group(2) == account and region in (None, match.group(1)):
                return match.group(0)
    return None


_PART = r"(?:<[^>]*>|[^:<]*)"  # an ARN part: literal, or a flattened token such as <AWS::Region>
REPOSITORY_HEAD = re.compile(rf"arn:{_PART}:ecr:({_PART}):({_PART}):repository/")


# --- what the lists say, and whether a template's policies say the same ------------------------------------
WORDS = ("a", "b", "ab", "lib", "x9", "team")


def _under(rule: Any) -> str:
    return "" if rule.upstream_prefix in (None, "ROOT") else f"{rule.upstream_prefix}/"


def probes(rule: Any) -> list[str]:
    """Upstream paths to ask about: one- and two-part names of the words, and each pattern filled in."""
    names = ["/".join(p) for n in (1, 2) for p in itertools.product(WORDS, repeat=n)]
    names += ["library/" + w for w in WORDS]
    under = _under(rule)
    for text in (*rule.allow, *rule.deny):
        rest = text[len(under) :]
        names += [rest.replace("*", fill).replace("?", "b") for fill in ("", "a", "a/b")]
    return sorted({under + n.strip("/") for n in names if n.strip("/") and "//" not in n})


def expected(rule: Any, path: str) -> bool:
    """What the lists say, read with fnmatch (IAM's wildcards), not with the library's matcher."""
    if any(_wild(p, path, case=True) for p in rule.deny):
        return False
    return not rule.allow or any(_wild(p, path, case=True) for p in rule.allow)


def cache_repository(rule: Any, path: str) -> str:
    rest = path[len(_under(rule)) :]
    return rest if rule.prefix == "ROOT" else f"{rule.prefix}/{rest}"


def list_problems(
    rules: Iterable[Any], template: dict[str, Any], account: str, own_sids: Iterable[str], region: Optional[str] = None
) -> tuple[list[str], dict[str, set[str]]]:
    """Where a template's policies disagree with the rules' lists for the import actions, and which policies
    grant each rule's imports at all. A policy that lets nothing be imported under a rule's prefix with an
    action says nothing about that rule (the template role creates, it does not import)."""
    rules = list(rules)
    prefixes = [rule.prefix for rule in rules]
    wrong: list[str] = []
    covered: dict[str, set[str]] = {}
    for key, statements in documents(template, own_sids):
        head = registry_arn(statements, account, region)
        if head is None:
            continue
        for rule in rules:
            for action in IMPORT_ACTIONS:
                granted = {
                    p: allows(statements, action, head + cache_repository(rule, p))
                    for p in probes(rule)
                    # a repository under a longer prefix is that rule's (ROOT's are the rest): mapping's one rule
                    if best_prefix(cache_repository(rule, p), prefixes) == rule.prefix
                }
                if not any(granted.values()):
                    continue
                covered.setdefault(rule.prefix, set()).add(key)
                bad = [p for p, ok in granted.items() if ok != expected(rule, p)]
                if bad:
                    wrong.append(
                        f"{key}: {action} disagrees with rule {rule.prefix} (allow={list(rule.allow)}, "
                        f"deny={list(rule.deny)}) for {bad[:5]}"
                    )
    return wrong, covered


__all__ = [
    "IMPORT_ACTIONS",
    "allows",
    "cache_repository",
    "documents",
    "expected",
    "flat",
    "list_problems",
    "probes",
    "registry_arn",
    "statement_applies",
]
