"""The registry's singletons, shared: your registry-policy statements and scanning rules beside the cache's.

A registry (account and Region) has one ``AWS::ECR::RegistryPolicy`` and one
``AWS::ECR::RegistryScanningConfiguration``; a stack that creates either replaces whatever was set
outside it. These settings carry what else the registry needs, so the stack can own them without
losing it. No CDK imports (``ecr-ptc validate`` runs these checks).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from ecr_ptc import validation as v
from ecr_ptc.cache.grants import REGISTRY_SIDS
from ecr_ptc.errors import ValidationError

# AWS::ECR::RegistryScanningConfiguration: at most 2 rules, 0-100 filters each, frequencies SCAN_ON_PUSH
# and CONTINUOUS_SCAN (CONTINUOUS_SCAN with ENHANCED only: "When the BASIC scan type is specified, the
# SCAN_ON_PUSH scan frequency is supported", ECR API reference, RegistryScanningRule).
MAX_SCAN_RULES, MAX_FILTERS = 2, 100
FREQUENCIES = ("SCAN_ON_PUSH", "CONTINUOUS_SCAN")
SCAN_TYPES = ("BASIC", "ENHANCED")
# AWS::ECR::RegistryPolicy PolicyText: at most 10240 characters.
MAX_POLICY_LENGTH = 10240
STATEMENT_KEYS = ("Sid", "Effect", "Principal", "Action", "NotAction", "Resource", "Condition")
SID_PATTERN = re.compile(r"^[A-Za-z0-9]+$")
# The statement ids the cache's own registry policy uses (policy.registry_policy_document).
OWN_SIDS = REGISTRY_SIDS
# ECR user guide, "Private registry permissions": the V1 scope enforces ecr:ReplicateImage,
# ecr:BatchImportUpstreamImage and ecr:CreateRepository only ("If any additional actions are added to the
# registry policy, an error will occur"); the V2 scope, the default, takes every ECR action.
V1_ACTIONS = ("ecr:BatchImportUpstreamImage", "ecr:CreateRepository", "ecr:ReplicateImage")
ACTION_PATTERN = re.compile(r"^ecr:[A-Za-z*]+$")
REPOSITORY_ARN = re.compile(r"^arn:aws(-[a-z]+)*:ecr:([a-z0-9-]+|\*):(\d{12}|\*):repository/[a-z0-9._/*-]+$")


def _actions(value: Any, path: str) -> list[str]:
    actions = [value] if isinstance(value, str) else value
    if not isinstance(actions, list) or not actions:
        v.fail(path, f"expected an action or a list of actions, got {value!r}", "e.g. [ecr:ReplicateImage]")
    for i, action in enumerate(actions):
        if not isinstance(action, str) or not ACTION_PATTERN.match(action):
            v.fail(
                f"{path}[{i}]",
                f"{action!r} is not an Amazon ECR action",
                f"a registry policy takes ECR actions, e.g. {', '.join(V1_ACTIONS)}",
            )
    return actions


def check_policy_statement(value: Any, path: str) -> dict[str, Any]:
    """One IAM statement of a registry permissions policy, as the JSON policy language spells it."""
    v.check_type(value, dict, path, "a policy statement (Sid, Effect, Principal, Action, Resource, Condition)")
    for key in value:
        if key not in STATEMENT_KEYS:
            v.fail(f"{path}.{key}", f"unknown statement key {key!r}", f"use: {', '.join(STATEMENT_KEYS)}")
    sid = value.get("Sid")
    if sid is not None and (not isinstance(sid, str) or not SID_PATTERN.match(sid)):
        v.fail(f"{path}.Sid", f"{sid!r} is not a statement id", "use letters and digits only")
    if sid in OWN_SIDS:
        v.fail(f"{path}.Sid", f"{sid!r} is the cache's own statement id", "choose another Sid")
    if value.get("Effect") not in ("Allow", "Deny"):
        v.fail(f"{path}.Effect", f"Effect {value.get('Effect')!r} is not Allow or Deny", "write Effect: Allow")
    principal = value.get("Principal")
    if principal is None:
        v.fail(path, "a registry policy statement needs a Principal", "add Principal: {AWS: <account or ARN>}")
    if principal in ("*", {"AWS": "*"}) and "Condition" not in value and value["Effect"] == "Allow":
        v.fail(
            f"{path}.Principal",
            "Principal '*' without a Condition lets every AWS account into this registry",
            "name the accounts, or add a Condition such as aws:PrincipalOrgID",
        )
    if ("Action" in value) == ("NotAction" in value):
        v.fail(path, "a statement needs exactly one of Action and NotAction", "add Action: [...]")
    _actions(value.get("Action", value.get("NotAction")), f"{path}.{'Action' if 'Action' in value else 'NotAction'}")
    # Every ECR action a registry policy takes has resource-level permissions (the repository): name them.
    resources = value.get("Resource")
    resources = [resources] if isinstance(resources, str) else resources
    if not isinstance(resources, list) or not resources or not all(isinstance(r, str) for r in resources):
        v.fail(
            f"{path}.Resource",
            f"expected repository ARNs, got {value.get('Resource')!r}",
            "add Resource: arn:aws:ecr:<region>:<this account>:repository/<prefix>/*",
        )
    for resource in resources:
        if not REPOSITORY_ARN.match(resource):
            v.fail(
                f"{path}.Resource",
                f"{resource!r} is not a repository ARN (ECR actions take repositories; '*' is refused)",
                "give arn:aws:ecr:<region>:<this account>:repository/<prefix>/* (wildcards in the name are fine)",
            )
    return value


@dataclass(frozen=True)
class ScanningRule:
    """One registry scanning rule.

    :param frequency: ``SCAN_ON_PUSH`` or ``CONTINUOUS_SCAN`` (enhanced scanning only).
    :param filters: 1-100 repository-name wildcard filters, such as ``*`` or ``team/*``.
    """

    frequency: str
    filters: tuple[str, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.frequency, str) or self.frequency.upper() not in FREQUENCIES:
            v.fail("frequency", f"{self.frequency!r} is not one of {', '.join(FREQUENCIES)}", "use one of them")
        object.__setattr__(self, "frequency", self.frequency.upper())
        filters = self.filters
        if isinstance(filters, str) or not isinstance(filters, (list, tuple)) or not 1 <= len(filters) <= MAX_FILTERS:
            v.fail("filters", f"expected 1 to {MAX_FILTERS} filters, got {filters!r}", "give a list such as ['*']")
        for i, item in enumerate(filters):
            if not isinstance(item, str) or len(item) > 255 or not v.SCAN_FILTER_PATTERN.match(item):
                v.fail(
                    f"filters[{i}]",
                    f"{item!r} is not a scanning filter",
                    "use lower-case letters, digits, one separator ('.', '_', '-', '/') between them, and '*'",
                )
        object.__setattr__(self, "filters", tuple(dict.fromkeys(filters)))


@dataclass(frozen=True)
class ScanningSettings:
    """The registry's scanning configuration, beside the cache's scan on push.

    :param scan_type: ``BASIC`` or ``ENHANCED`` (must match ``repositories.scan_on_push`` when that is on).
    :param rules: 1 or 2 rules, one per frequency (the cache's scan-on-push filters join yours).
    """

    scan_type: str
    rules: tuple[ScanningRule, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not isinstance(self.scan_type, str) or self.scan_type.upper() not in SCAN_TYPES:
            v.fail("scan_type", f"{self.scan_type!r} is not BASIC or ENHANCED", "use BASIC or ENHANCED")
        object.__setattr__(self, "scan_type", self.scan_type.upper())
        rules = self.rules
        if isinstance(rules, (str, dict)) or not isinstance(rules, (list, tuple)) or not rules:
            v.fail(
                "rules",
                f"expected 1 or 2 scanning rules, got {rules!r}",
                "give rules: [{frequency: ..., filters: [...]}]",
            )
        if len(rules) > MAX_SCAN_RULES:
            v.fail(
                "rules", f"{len(rules)} rules; a registry takes {MAX_SCAN_RULES}", "merge rules of the same frequency"
            )
        seen = set()
        for i, rule in enumerate(rules):
            if not isinstance(rule, ScanningRule):
                v.fail(f"rules[{i}]", f"expected a ScanningRule, got {rule!r}", "use ScanningRule(...)")
            if rule.frequency in seen:
                v.fail(f"rules[{i}].frequency", f"a second {rule.frequency} rule", "merge their filters into one rule")
            seen.add(rule.frequency)
            if rule.frequency == "CONTINUOUS_SCAN" and self.scan_type == "BASIC":
                v.fail(
                    f"rules[{i}].frequency",
                    "basic scanning scans on push only: CONTINUOUS_SCAN needs ENHANCED",
                    "set scan_type ENHANCED (Amazon Inspector), or use SCAN_ON_PUSH",
                )
        object.__setattr__(self, "rules", tuple(rules))


@dataclass(frozen=True)
class RegistrySettings:
    """What else the registry's singletons must hold, so the stack owns them without losing it.

    :param policy_statements: registry-policy statements merged with the cache's (default: none). With
        statements and no ``access``, the stack creates the registry policy with yours alone.
    :param scanning: a scanning configuration of your own (default: none; the cache's scan on push,
        when on, joins it).
    """

    policy_statements: tuple[dict[str, Any], ...] = ()
    scanning: Optional[ScanningSettings] = None

    def __post_init__(self) -> None:
        statements = self.policy_statements
        if isinstance(statements, (str, dict)) or not isinstance(statements, (list, tuple)):
            v.fail("policy_statements", f"expected a list of statements, got {statements!r}", "write a list")
        checked = tuple(check_policy_statement(s, f"policy_statements[{i}]") for i, s in enumerate(statements))
        sids = [s.get("Sid") for s in checked if s.get("Sid")]
        for i, sid in enumerate(sids):
            if sid in sids[:i]:
                v.fail("policy_statements", f"Sid {sid!r} is used twice", "give each statement its own Sid")
        if len(json.dumps(list(checked))) > MAX_POLICY_LENGTH:
            v.fail("policy_statements", f"the statements pass {MAX_POLICY_LENGTH} characters", "shorten them")
        object.__setattr__(self, "policy_statements", checked)
        if self.scanning is not None and not isinstance(self.scanning, ScanningSettings):
            v.fail("scanning", f"expected ScanningSettings, got {self.scanning!r}", "use ScanningSettings(...)")
        if not checked and self.scanning is None:
            raise ValidationError(
                "",
                "registry sets nothing",
                "pass policy_statements or scanning",
                "give policyStatements or scanning, or remove registry",
            )


def merged_scanning(
    scanning: Optional[ScanningSettings], cache_type: Optional[str], cache_filters: list[str]
) -> Optional[tuple[str, list[dict[str, Any]]]]:
    """(scan type, rules) of the one scanning configuration: yours, with the cache's scan-on-push filters
    (``cache_type`` BASIC/ENHANCED, None when off) joined to your SCAN_ON_PUSH rule; None when neither."""
    if scanning is None and cache_type is None:
        return None
    if scanning is not None and cache_type is not None and scanning.scan_type != cache_type:
        raise ValidationError(
            "registry.scanning.scan_type",
            f"the registry has one scan type: {scanning.scan_type} here, {cache_type} from scan_on_push",
            "use the same type in both",
            "use the same type in registry.scanning.scanType and repositories.scanOnPush",
        )
    rules: dict[str, list[str]] = {r.frequency: list(r.filters) for r in (scanning.rules if scanning else ())}
    if cache_type is not None:
        rules["SCAN_ON_PUSH"] = list(dict.fromkeys([*rules.get("SCAN_ON_PUSH", []), *cache_filters]))
        if len(rules["SCAN_ON_PUSH"]) > MAX_FILTERS:
            raise ValidationError(
                "registry.scanning",
                f"{len(rules['SCAN_ON_PUSH'])} scan-on-push filters with the cache's; a rule takes {MAX_FILTERS}",
                "use broader filters such as '*'",
            )
    scan_type = scanning.scan_type if scanning else str(cache_type)
    return scan_type, [
        {"scanFrequency": frequency, "repositoryFilters": [{"filter": f, "filterType": "WILDCARD"} for f in filters]}
        for frequency, filters in rules.items()
    ]


SINGLETON_WARNING = (
    "this stack owns the {what} of its account and Region: deploying replaces any {what} set outside it "
    "({lost}); put what must stay in {keep}"
)


def singleton_warnings(policy: bool, scanning: bool) -> list[str]:
    """Said by validate and at synth whenever the stack creates a registry singleton."""
    out = []
    if policy:
        out.append(
            SINGLETON_WARNING.format(
                what="registry permissions policy",
                lost="other teams' replication or pull-through statements are dropped",
                keep="registry.policyStatements",
            )
        )
    if scanning:
        out.append(
            SINGLETON_WARNING.format(
                what="registry scanning configuration",
                lost="its scan type and scanning rules are replaced by this stack's",
                keep="registry.scanning",
            )
        )
    return out


__all__ = [
    "RegistrySettings",
    "ScanningRule",
    "ScanningSettings",
    "check_policy_statement",
    "merged_scanning",
    "singleton_warnings",
]
