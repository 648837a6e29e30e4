"""Lifecycle rules that select tags, and the checks ECR's documentation states for any lifecycle policy.

No CDK imports: ``ecr-ptc validate`` runs these. Sources (ECR user guide): "Lifecycle policy properties"
(https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html) and "Lifecycle
policy evaluation rules" (https://docs.aws.amazon.com/AmazonECR/latest/userguide/LifecyclePolicies.html).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

from ecr_ptc import validation as v
from ecr_ptc.errors import ValidationError

TAG_STATUSES = ("tagged", "untagged", "any")
# "You can use up to four wildcards (*) per string" (tagPatternList).
MAX_WILDCARDS = 4
# An image tag: up to 128 letters, digits, '_', '.', '-' (a pattern adds '*').
TAG_PATTERN = re.compile(r"^[a-zA-Z0-9_.*-]{1,128}$")
TAG_PREFIX = re.compile(r"^[a-zA-Z0-9_.-]{1,128}$")
# AWS::ECR::RepositoryCreationTemplate LifecyclePolicy: 100 to 30720 characters.
MIN_POLICY_LENGTH, MAX_POLICY_LENGTH = 100, 30720
COUNT_TYPES = ("imageCountMoreThan", "sinceImagePushed", "sinceImagePulled", "sinceImageTransitioned")
ACTIONS = ("expire", "transition")


def _strings(value: Any, path: str, pattern: re.Pattern, what: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not value:
        v.fail(path, f"expected a non-empty list of {what}, got {value!r}", f"write {path} as a list, e.g. ['v1']")
    for i, item in enumerate(value):
        if not isinstance(item, str) or not pattern.match(item):
            v.fail(f"{path}[{i}]", f"{item!r} is not {what}", "use letters, digits, '_', '.', '-' (1-128 characters)")
        if item.count("*") > MAX_WILDCARDS:
            v.fail(
                f"{path}[{i}]",
                f"{item!r} has {item.count('*')} wildcards; ECR allows {MAX_WILDCARDS} per pattern",
                "use at most four '*'",
            )
    return tuple(value)


@dataclass(frozen=True)
class LifecycleRule:
    """One ordered lifecycle rule: which images (tag status, tag prefixes or patterns) and what happens.

    :param tag_status: ``tagged`` (default when prefixes or patterns are given), ``untagged`` or ``any``.
    :param tag_prefixes: tagged only: images with a tag starting with each of these (ECR: all must match).
    :param tag_patterns: tagged only: wildcard patterns (``release-*``, at most four ``*`` each).
    :param keep_last: keep the newest N (1-10000) and expire the rest; not with ``expire_after_days``.
    :param expire_after_days: expire images pushed (cached) this many days ago (1-3650).
    :param description: shown in the ECR console (default: one made from the rule).
    :raises ValidationError: for a selection or action ECR would refuse.
    """

    tag_status: Optional[str] = None
    tag_prefixes: tuple[str, ...] = ()
    tag_patterns: tuple[str, ...] = ()
    keep_last: Optional[int] = None
    expire_after_days: Optional[int] = None
    description: Optional[str] = None

    def __post_init__(self) -> None:
        if self.tag_prefixes:
            object.__setattr__(
                self, "tag_prefixes", _strings(self.tag_prefixes, "tag_prefixes", TAG_PREFIX, "a tag prefix")
            )
        if self.tag_patterns:
            object.__setattr__(
                self, "tag_patterns", _strings(self.tag_patterns, "tag_patterns", TAG_PATTERN, "a tag pattern")
            )
        status = self.tag_status or ("tagged" if self.tag_prefixes or self.tag_patterns else None)
        if status not in TAG_STATUSES:
            v.fail(
                "tag_status",
                f"{self.tag_status!r} is not one of {', '.join(TAG_STATUSES)}"
                if self.tag_status
                else "the rule selects nothing",
                "give tag_prefixes or tag_patterns (tagged images), or tag_status untagged or any",
            )
        object.__setattr__(self, "tag_status", status)
        if status == "tagged" and bool(self.tag_prefixes) == bool(self.tag_patterns):
            v.fail(
                "tag_patterns" if self.tag_patterns else "tag_prefixes",
                "a tagged rule needs exactly one of tag_prefixes and tag_patterns (ECR accepts one list per rule)",
                "give tag_prefixes or tag_patterns, not both; tag_patterns ['*'] selects every tagged image",
            )
        if status != "tagged" and (self.tag_prefixes or self.tag_patterns):
            v.fail(
                "tag_status",
                f"a rule for {status} images takes no tag_prefixes or tag_patterns",
                "leave tag_status out (tagged), or drop the lists",
            )
        if (self.keep_last is None) == (self.expire_after_days is None):
            v.fail(
                "keep_last",
                "a rule needs exactly one of keep_last and expire_after_days",
                "give keep_last: N (keep the newest N) or expire_after_days: N",
            )
        if self.keep_last is not None:
            v.check_positive_int(self.keep_last, "keep_last", maximum=10000)
        if self.expire_after_days is not None:
            v.check_positive_int(self.expire_after_days, "expire_after_days", maximum=3650)
        if self.description is not None:
            v.check_type(self.description, str, "description", "a description")

    def to_policy_rule(self, priority: int) -> dict[str, Any]:
        selection: dict[str, Any] = {"tagStatus": self.tag_status}
        if self.tag_prefixes:
            selection["tagPrefixList"] = list(self.tag_prefixes)
        if self.tag_patterns:
            selection["tagPatternList"] = list(self.tag_patterns)
        which = ", ".join(self.tag_prefixes or self.tag_patterns) or self.tag_status
        if self.keep_last is not None:
            selection.update(countType="imageCountMoreThan", countNumber=self.keep_last)
            made = f"Keep the last {self.keep_last} images ({which})"
        else:
            selection.update(countType="sinceImagePushed", countUnit="days", countNumber=self.expire_after_days)
            made = f"Expire images ({which}) after {self.expire_after_days} days"
        return {
            "rulePriority": priority,
            "description": self.description or made,
            "selection": selection,
            "action": {"type": "expire"},
        }


def _fail_rule(path: str, index: int, problem: str, fix: str) -> None:
    v.fail(f"{path}.rules[{index}]", problem, fix)


def check_lifecycle_policy(document: Any, path: str) -> dict:
    """A lifecycle policy document checked as the ECR user guide states the rules; returns it.

    Unique integer ``rulePriority``; ``tagStatus`` tagged (with exactly one of ``tagPrefixList`` and
    ``tagPatternList``, at most four ``*`` per pattern), untagged or any (neither list); at most one rule
    for ``any``, after every other rule ("A rule with a tagStatus value of any must have the highest value
    for rulePriority and be evaluated last": only one rule can have the highest); at most one
    ``tagStatus: untagged`` rule per storage class ("Only one rule is allowed to select untagged images"; an
    ``any`` rule last is not counted: ``untagged`` then ``any``, the default policy of the widely used
    Terraform modules, is accepted by ECR); a count and an action ECR knows.
    """
    if not isinstance(document, dict) or not isinstance(document.get("rules"), list) or not document["rules"]:
        v.fail(path, 'a lifecycle policy is {"rules": [...]} with at least one rule', "see the ECR user guide")
    rules = document["rules"]
    seen = _Seen()
    last_not_any = max((p for p in _priorities(rules) if p[1] != "any"), default=None, key=lambda p: p[0])
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            _fail_rule(path, i, f"expected a rule mapping, got {rule!r}", "write each rule as a mapping")
        priority, selection = _check_priority(rule.get("rulePriority"), seen, path, i), rule.get("selection")
        if not isinstance(selection, dict):
            _fail_rule(path, i, "the rule has no selection", "add selection: {tagStatus: ..., countType: ...}")
        status = _check_tag_selection(selection, path, i)
        if status == "any" and last_not_any is not None and priority < last_not_any[0]:
            _fail_rule(
                path,
                i,
                f"the tagStatus any rule (priority {priority}) is not evaluated last: ECR requires the highest "
                "rulePriority for it",
                "give it a higher rulePriority than every other rule",
            )
        _check_one_of_a_kind(status, selection, seen, path, i)
        _check_count_and_action(selection, rule.get("action"), path, i)
    text = json.dumps(document, separators=(",", ":"))
    if not MIN_POLICY_LENGTH <= len(text) <= MAX_POLICY_LENGTH:
        v.fail(
            path,
            f"the policy is {len(text)} characters; a creation template takes {MIN_POLICY_LENGTH}-{MAX_POLICY_LENGTH}",
            "add descriptions to short rules, or split a long policy",
        )
    return document


@dataclass
class _Seen:
    """What the rules before the current one claimed: priorities, the ``any`` rule, untagged storage classes."""

    priorities: dict[int, int] = field(default_factory=dict)  # priority -> rule index
    untagged_by_class: dict[str, int] = field(default_factory=dict)  # storage class -> rule index
    any_rule: Optional[int] = None


def _check_priority(priority: Any, seen: _Seen, path: str, i: int) -> int:
    """The rule's ``rulePriority``, a whole number of 1 or more that no earlier rule has (recorded in ``seen``)."""
    if not isinstance(priority, int) or isinstance(priority, bool) or priority < 1:
        _fail_rule(path, i, f"rulePriority {priority!r} is not a whole number of 1 or more", "number the rules")
    if priority in seen.priorities:
        _fail_rule(path, i, f"rulePriority {priority} is also rules[{seen.priorities[priority]}]'s", "make it unique")
    seen.priorities[priority] = i
    return priority


def _check_tag_selection(selection: dict, path: str, i: int) -> Any:
    """The rule's ``tagStatus`` (tagged, untagged or any), its tag lists checked: exactly one for tagged, none else."""
    status = selection.get("tagStatus")
    if status not in TAG_STATUSES:
        _fail_rule(path, i, f"tagStatus {status!r} is not tagged, untagged or any", "use one of them")
    prefixes, patterns = selection.get("tagPrefixList"), selection.get("tagPatternList")
    if status == "tagged":
        if (prefixes is None) == (patterns is None):
            _fail_rule(
                path, i, "a tagged rule needs exactly one of tagPrefixList and tagPatternList", "give one of them"
            )
        if prefixes is not None:
            _strings(prefixes, f"{path}.rules[{i}].selection.tagPrefixList", TAG_PREFIX, "a tag prefix")
        if patterns is not None:
            _strings(patterns, f"{path}.rules[{i}].selection.tagPatternList", TAG_PATTERN, "a tag pattern")
    elif prefixes is not None or patterns is not None:
        _fail_rule(path, i, f"a rule for {status} images takes no tag lists", "remove tagPrefixList/tagPatternList")
    return status


def _check_one_of_a_kind(status: Any, selection: dict, seen: _Seen, path: str, i: int) -> None:
    """Nothing: fails a second ``any`` rule, or a second ``untagged`` rule of one storage class (each recorded in
    ``seen``)."""
    if status == "any":
        if seen.any_rule is not None:
            _fail_rule(
                path,
                i,
                f"rules[{seen.any_rule}] already has tagStatus any: ECR evaluates the one rule for any last "
                "(it must have the highest rulePriority), so a policy has at most one",
                "merge the two rules, or select tagged or untagged images in one of them",
            )
        seen.any_rule = i
    if status == "untagged":
        storage = str(selection.get("storageClass", "standard"))
        if storage in seen.untagged_by_class:
            _fail_rule(
                path,
                i,
                f"rules[{seen.untagged_by_class[storage]}] already selects untagged images ({storage}); ECR allows "
                "one tagStatus untagged rule per storage class",
                "merge the two rules, or select tagged images",
            )
        seen.untagged_by_class[storage] = i


def _check_count_and_action(selection: dict, action: Any, path: str, i: int) -> None:
    """Nothing: fails a ``countType``, ``countNumber``, ``countUnit`` or action ECR does not know."""
    count_type, number = selection.get("countType"), selection.get("countNumber")
    if count_type not in COUNT_TYPES:
        _fail_rule(path, i, f"countType {count_type!r} is not one of {', '.join(COUNT_TYPES)}", "use one of them")
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        _fail_rule(path, i, f"countNumber {number!r} is not a whole number of 1 or more", "give a number")
    if count_type == "imageCountMoreThan" and "countUnit" in selection:
        _fail_rule(path, i, "imageCountMoreThan takes no countUnit", "remove countUnit")
    if count_type != "imageCountMoreThan" and selection.get("countUnit") != "days":
        _fail_rule(path, i, f"{count_type} needs countUnit days", "add countUnit: days")
    if not isinstance(action, dict) or action.get("type") not in ACTIONS:
        _fail_rule(path, i, f"action {action!r} is not expire or transition", 'use {"type": "expire"}')


def _priorities(rules: list) -> list[tuple[int, Any]]:
    return [
        (r["rulePriority"], (r.get("selection") or {}).get("tagStatus"))
        for r in rules
        if isinstance(r, dict) and isinstance(r.get("rulePriority"), int) and isinstance(r.get("selection"), dict)
    ]


def compose(base: Optional[str], rules: Sequence[LifecycleRule], path: str = "lifecycle_rules") -> Optional[str]:
    """``rules`` in their order, then the shortcut rules (``base``, as ``RepositorySettings`` writes
    them), with every ``tagStatus: any`` rule last, renumbered 1.., checked as a whole."""
    existing = json.loads(base)["rules"] if base else []
    if not rules:
        return base
    last = [r for r in existing if r["selection"]["tagStatus"] == "any"]
    first = [r for r in existing if r["selection"]["tagStatus"] != "any"]
    own = [rule.to_policy_rule(0) for rule in rules]
    # Yours first: a rule's images are never touched by a later one ("an image that matches the tagging
    # requirements of a rule cannot be expired by a rule with a lower priority"), so the catch-all
    # shortcuts (keepLastImages selects every tag) come after your specific rules.
    ordered = [r for r in own if r["selection"]["tagStatus"] != "any"] + first
    ordered += [r for r in own if r["selection"]["tagStatus"] == "any"] + last
    for priority, rule in enumerate(ordered, start=1):
        rule["rulePriority"] = priority
    document = {"rules": ordered}
    try:
        check_lifecycle_policy(document, path)
    except ValidationError as err:
        raise ValidationError(
            path,
            f"with the other lifecycle settings: {err.problem}",
            err.fix,
        ) from None
    return json.dumps(document, separators=(",", ":"))


def load_policy_file(file: str, path: str) -> str:
    """A lifecycle policy JSON file, checked like the rules this package writes; its compact text."""
    try:
        with open(file, encoding="utf-8") as handle:
            document = json.load(handle)
    except FileNotFoundError:
        v.fail(path, f"no such file {file!r}", "give a path relative to the config file")
    except (OSError, UnicodeDecodeError, ValueError) as err:
        v.fail(path, f"{file!r} is not a readable JSON file ({err.__class__.__name__}: {err})"[:300], "fix the JSON")
    check_lifecycle_policy(document, path)
    return json.dumps(document, separators=(",", ":"))


__all__ = ["LifecycleRule", "check_lifecycle_policy", "compose", "load_policy_file"]
