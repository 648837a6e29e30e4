"""One builder per config key: the YAML value -> the construct library's props (checked there)."""

from __future__ import annotations

import contextvars
import dataclasses
from pathlib import Path
from typing import Any, Callable, Optional

from ecr_ptc import validation as v
from ecr_ptc.cache.lifecycle import LifecycleRule
from ecr_ptc.cache.registry_settings import (
    RegistrySettings,
    ScanningRule,
    ScanningSettings,
)
from ecr_ptc.cache.rules import UpstreamCredentials, UpstreamRule, check_lists_apart
from ecr_ptc.cache.settings import Encryption, ReadAccess, RepositorySettings
from ecr_ptc.errors import ValidationError
from ecr_ptc.governance.settings import check_resource_tags, check_role_name
from ecr_ptc.monitoring.settings import MonitoringSettings
from ecr_ptc.warming.settings import WarmSettings, resolve_warm_images

from .errors import Problems, camel, for_file
from .model import Environment
from .shapes import _each, _first_of, _list, _mapping, _or_empty, _props, text_problems


def _credentials(raw: Any, path: str) -> UpstreamCredentials:
    return _props(UpstreamCredentials, raw, path, "one of secretName, secretArn or create")


def _encryption(raw: Any, path: str) -> Encryption:
    if isinstance(raw, str) and raw.upper() == "AES256":
        return Encryption.aes256()
    if isinstance(raw, dict):
        return _props(Encryption, raw, path, "kmsKeyArn")
    raise ValidationError(
        path,
        f"{raw!r} is not an encryption setting",
        "write 'encryption: AES256' or 'encryption: {kmsKeyArn: <key arn>}'",
    )


def _rule(raw: Any, path: str, problems: Problems) -> UpstreamRule:
    rule_keys = (*(camel(f.name) for f in dataclasses.fields(UpstreamRule)), "repositories")
    what = f"a rule with keys {', '.join(rule_keys)}"
    _mapping(raw, path, rule_keys, what, problems)  # a misspelt 'upstream' is reported as such
    if "upstream" not in raw:
        raise ValidationError(path, "the rule has no upstream", "add 'upstream:', e.g. upstream: ecr-public")
    raw = {k: val for k, val in raw.items() if k != "repositories"}  # the rule's own template: see _prefix_settings
    return _props(UpstreamRule, raw, path, what, {"credentials": _credentials})


def _environment(raw: Any, path: str) -> Environment:
    raw = _mapping(raw, path, ("account", "region"), "account and region")
    if "region" not in raw:
        raise ValidationError(path, "the environment has no region", "add 'region:', e.g. region: eu-west-1")
    for error in text_problems(raw["region"], f"{path}.region", raw, "region"):
        raise error
    account = v.check_account_id(raw["account"], f"{path}.account") if "account" in raw else None
    return Environment(v.check_region(raw["region"], f"{path}.region"), account)


def _rules(doc: dict, problems: Problems) -> Optional[list[UpstreamRule]]:
    """The rules, or None when any is wrong (the checks across rules need them all)."""
    if "rules" not in doc:
        raise ValidationError("rules", "the config has no rules", "add a 'rules:' list, e.g. - upstream: ecr-public")
    raw_rules = _list(doc["rules"], "rules", "rules")
    v.check_rule_count(len(raw_rules), "rules")
    rules = [problems.attempt(_rule, raw, f"rules[{i}]", problems) for i, raw in enumerate(raw_rules)]
    v.check_unique_prefixes([r.prefix if r else None for r in rules], "rules")
    check_lists_apart(rules, "rules")
    return None if None in rules else rules


def _environments(doc: dict, problems: Problems) -> tuple[Environment, ...]:
    raw_envs = _list(_or_empty(doc, "environments", []), "environments", "environments")
    envs = [problems.attempt(_environment, raw, f"environments[{i}]") for i, raw in enumerate(raw_envs)]
    seen: dict[Environment, int] = {}
    for i, env in enumerate(envs):
        if env is None:
            continue
        if env in seen:
            problems.errors.append(
                ValidationError(
                    f"environments[{i}]",
                    f"same account and region as environments[{seen[env]}]",
                    "remove the duplicate",
                )
            )
        seen.setdefault(env, i)
    return tuple(e for e in envs if e is not None)


# Where relative paths in the config (repositories.lifecyclePolicyFile) start: the config file's folder.
CONFIG_DIR: contextvars.ContextVar[Optional[Path]] = contextvars.ContextVar("CONFIG_DIR", default=None)


def _lifecycle_rules(raw: Any, path: str) -> tuple[LifecycleRule, ...]:
    rules = _list(raw, path, "lifecycle rules")
    return _each(lambda r, where: _props(LifecycleRule, r, where, "a lifecycle rule"), rules, path)


def _read_access(raw: Any, path: str) -> ReadAccess:
    return _props(ReadAccess, raw, path, "principals and/or services")


def _policy_file(raw: Any, path: str) -> Any:
    return str((CONFIG_DIR.get() or Path.cwd()) / raw) if isinstance(raw, str) else raw


def _tuple(raw: Any, path: str) -> Any:
    return tuple(raw) if isinstance(raw, list) else raw


REPOSITORY_CONVERTERS: dict[str, Callable[[Any, str], Any]] = {
    "encryption": _encryption,
    "lifecycle_rules": _lifecycle_rules,
    "read_access": _read_access,
    "lifecycle_policy_file": _policy_file,
    "tag_mutability_exclusions": _tuple,
}


def _prefix_settings(
    doc: dict, rules: Optional[list[UpstreamRule]], problems: Problems
) -> dict[str, RepositorySettings]:
    """A rule's own ``repositories`` block over the top-level one, key by key."""
    raw_rules = doc.get("rules")
    if rules is None or not isinstance(raw_rules, list):
        return {}
    default = _or_empty(doc, "repositories", {})
    out = {}
    for i, (raw, rule) in enumerate(zip(raw_rules, rules, strict=True)):
        if not isinstance(raw, dict) or "repositories" not in raw:
            continue
        path = f"rules[{i}].repositories"
        own = _or_empty(raw, "repositories", {})
        if not isinstance(own, dict):
            problems.errors.append(ValidationError(path, f"expected a mapping, got {own!r}", "write key: value lines"))
            continue
        if "scanOnPush" in own:
            problems.errors.append(
                ValidationError(
                    f"{path}.scanOnPush",
                    "scan on push is one registry-wide scanning configuration, not a per-prefix template setting",
                    "set scanOnPush in the top-level repositories, or use registry.scanning rules with filters",
                )
            )
            continue
        if "deleteOnStackDelete" in own:
            problems.errors.append(
                ValidationError(
                    f"{path}.deleteOnStackDelete",
                    "purging on stack delete is one setting of the whole cache, not of a prefix's template",
                    "set deleteOnStackDelete in the top-level repositories",
                )
            )
            continue
        inherited = {k: val for k, val in (default if isinstance(default, dict) else {}).items() if k not in own}
        first = len(problems.errors)
        settings = problems.attempt(
            _props,
            RepositorySettings,
            {**inherited, **own},
            path,
            "repository settings",
            REPOSITORY_CONVERTERS,
            problems,
        )
        problems.errors[first:] = [_naming_inherited(e, path, inherited) for e in problems.errors[first:]]
        if settings is not None:
            out[rule.prefix] = settings
    return out


_LIFECYCLE_KEYS = frozenset(
    {
        "lifecycleRules",
        "lifecyclePolicyFile",
        "expireUntaggedAfterDays",
        "keepLastImages",
        "archiveUnpulledAfterDays",
        "deleteArchivedAfterDays",
        "expireUnpulledAfterDays",
    }
)


def _naming_inherited(err: ValidationError, path: str, inherited: dict) -> ValidationError:
    """A rule block's mistake that involves keys it inherits from the top-level repositories: say which, and
    that ``key: null`` in the rule's block drops one."""
    key = err.path[len(path) :].lstrip(".").split(".")[0].split("[")[0]
    involved = [
        k
        for k, val in inherited.items()
        if val is not None and (k == key or k in err.problem or (key in _LIFECYCLE_KEYS and k in _LIFECYCLE_KEYS))
    ]
    if not involved or not err.path.startswith(path):
        return err
    names = ", ".join(involved)
    return ValidationError(
        err.path,
        f"{err.problem} (this block inherits {names} from the top-level repositories)",
        f"{err.fix}; or write '{involved[0]}: null' in {path} to drop the inherited value",
    )


def _scanning_rules(raw: Any, path: str) -> tuple[ScanningRule, ...]:
    rules = _list(raw, path, "scanning rules")
    return tuple(
        _props(ScanningRule, r, f"{path}[{i}]", "frequency and filters", {"filters": _tuple})
        for i, r in enumerate(rules)
    )


def _registry(raw: Any, problems: Problems) -> RegistrySettings:
    def scanning(value: Any, path: str) -> ScanningSettings:
        return _props(ScanningSettings, value, path, "scanType and rules", {"rules": _scanning_rules}, problems)

    return _props(
        RegistrySettings,
        raw,
        "registry",
        "policyStatements and/or scanning",
        {"policy_statements": _tuple, "scanning": scanning},
        problems,
    )


def _tags(raw: Any, problems: Problems) -> dict[str, str]:
    """The stack tags; every wrong tag is a mistake of its own."""
    if not isinstance(raw, dict):
        return check_resource_tags(raw, "tags")
    errors = text_problems(raw, "tags")
    texts = {k: val for k, val in raw.items() if isinstance(k, str) and isinstance(val, str)}
    for key, val in texts.items():
        try:
            check_resource_tags({key: val}, "tags")
        except ValidationError as err:
            errors.append(err)
    _first_of(errors, problems)
    return check_resource_tags(raw, "tags")


def _consumers(raw: Any, problems: Problems) -> tuple[str, ...]:
    raw = _mapping(raw, "consumers", ("roleNames",), "roleNames", problems)
    names = _list(raw.get("roleNames"), "consumers.roleNames", "role names")
    _first_of(text_problems(names, "consumers.roleNames"), problems)
    checked = [check_role_name(n, f"consumers.roleNames[{i}]") for i, n in enumerate(names)]
    for i, name in enumerate(checked):
        if name in checked[:i]:
            raise ValidationError(f"consumers.roleNames[{i}]", f"{name!r} is listed twice", "remove the duplicate")
    return tuple(checked)


def _warm(raw: Any, rules: Optional[list[UpstreamRule]]) -> tuple[WarmSettings, list[str]]:
    settings = _props(WarmSettings, raw, "warm", "warm settings")
    if rules is None:  # the images are checked against the rules once those are right
        return settings, []
    try:
        images, warnings = resolve_warm_images(settings, rules)
    except ValidationError as err:
        raise for_file(err, "warm") from None
    return dataclasses.replace(settings, images=tuple(images)), [f"warm.{w}" for w in warnings]


def _monitoring(raw: Any, problems: Problems) -> MonitoringSettings:
    """The monitoring settings (an existing topic's Region is checked with the environments, see _stack_checks)."""
    settings: MonitoringSettings = _props(
        MonitoringSettings, raw, "monitoring", "email, topicArn, dashboard", None, problems
    )
    return settings
