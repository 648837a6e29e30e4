"""The YAML config file -> typed construct props.

The rules themselves live in the construct library (``ecr_ptc``); this module only knows the
file: its keys (camelCase of the props' snake_case names), its lines, and where it is.
"""

from __future__ import annotations

import contextvars
import dataclasses
import difflib
import inspect
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

import yaml

from ecr_ptc import validation as v
from ecr_ptc.cache.grants import check_policy_sizes
from ecr_ptc.cache.lifecycle import LifecycleRule
from ecr_ptc.cache.registry_settings import (
    RegistrySettings,
    ScanningRule,
    ScanningSettings,
    merged_scanning,
    singleton_warnings,
)
from ecr_ptc.cache.rules import UpstreamCredentials, UpstreamRule, check_lists_apart, check_purge
from ecr_ptc.cache.settings import AccessSettings, Encryption, ReadAccess, RepositorySettings, ScanOnPush
from ecr_ptc.errors import ValidationError, join_path
from ecr_ptc.governance.settings import RoleGovernance, check_resource_tags, check_role_name
from ecr_ptc.monitoring.settings import MonitoringSettings
from ecr_ptc.organization.settings import (
    MAX_REGISTRY_POLICY_CHARACTERS,
    DeploymentTargets,
    HubLocation,
    OrganizationSettings,
    StackSetLocation,
    hub_registry_policy_length,
)
from ecr_ptc.warming.settings import WarmSettings, resolve_warm_images
from ecr_ptc.workstation.settings import WorkstationSettings

from . import yaml_source

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = Path("config", "default.yaml")  # relative to where the command runs, as cdk.json's context is


def default_config() -> Path:
    """``config/default.yaml`` of the current directory; in a clone run from elsewhere, the clone's."""
    here = Path.cwd() / DEFAULT_CONFIG
    return here if here.is_file() or not (PROJECT_ROOT / DEFAULT_CONFIG).is_file() else PROJECT_ROOT / DEFAULT_CONFIG


TOP_KEYS = (
    "rules",
    "repositories",
    "access",
    "environments",
    "warm",
    "workstation",
    "iam",
    "tags",
    "consumers",
    "registry",
    "monitoring",
    "organization",
)


MAX_REPORTED = 20  # one run reports up to this many independent mistakes


@dataclass(frozen=True)
class Problem:
    """One mistake: where (key path, line), what is wrong, how to fix it."""

    path: str
    problem: str
    fix: str
    line: Optional[int] = None


class ConfigError(Exception):
    """User mistakes in the config file, formatted for people: file, line, key, problem, fix.

    ``problems`` holds every independent mistake found (the first 20, in file order); ``path``,
    ``problem``, ``fix`` and ``line`` are the first one's."""

    def __init__(
        self,
        file: str,
        problem: str,
        fix: str,
        path: str = "",
        line: Optional[int] = None,
        more: Sequence[Problem] = (),
    ) -> None:
        self.file = file
        self.problems: list[Problem] = [Problem(path, problem, fix, line), *more]
        self.file, self.problem, self.fix, self.path, self.line = file, problem, fix, path, line
        self.omitted = 0
        super().__init__(self.render())

    @classmethod
    def of(cls, file: str, problems: Sequence[Problem]) -> "ConfigError":
        ordered = sorted(problems, key=lambda p: (p.line is None, p.line or 0))
        first, *rest = ordered[:MAX_REPORTED]
        err = cls(file, first.problem, first.fix, first.path, first.line, rest)
        err.omitted = len(ordered) - MAX_REPORTED if len(ordered) > MAX_REPORTED else 0
        err.args = (err.render(),)
        return err

    def lines(self) -> list[str]:
        """One entry per mistake: ``file:line: key: problem.`` and an indented ``Fix:`` line."""
        out = []
        for p in self.problems:
            where = self.file + (f":{p.line}" if p.line else "")
            key = f" {p.path}:" if p.path else ""
            out.append(f"{where}:{key} {p.problem}.\n  Fix: {p.fix}")
        if self.omitted:
            out.append(f"{self.file}: {self.omitted} more mistake(s) not shown; fix these first")
        return out

    def render(self) -> str:
        return "\n".join(self.lines())


@dataclass(frozen=True)
class Environment:
    region: str
    account: Optional[str] = None  # None: the account of the credentials that deploy


@dataclass(frozen=True)
class AppConfig:
    file: str
    rules: tuple[UpstreamRule, ...]
    repositories: RepositorySettings
    access: Optional[AccessSettings] = None
    environments: tuple[Environment, ...] = ()
    warm: Optional[WarmSettings] = None
    workstation: Optional[WorkstationSettings] = None
    monitoring: Optional[MonitoringSettings] = None  # alarms, notification, dashboard
    organization: Optional[OrganizationSettings] = None  # hub and StackSet; environments is then the hub
    warnings: tuple[str, ...] = field(default=())
    iam: Optional[RoleGovernance] = None  # boundary and path of every role the stacks create
    tags: dict[str, str] = field(default_factory=dict)  # on every resource the stacks create
    consumer_role_names: tuple[str, ...] = ()  # existing roles the consumer policy is attached to
    prefix_repositories: dict[str, RepositorySettings] = field(default_factory=dict)  # rules' own blocks
    registry: Optional[RegistrySettings] = None  # statements and scanning rules kept in the registry's singletons


# --- names -------------------------------------------------------------------------------
def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def camel_path(path: str) -> str:
    """``rules[0].upstream_prefix`` -> ``rules[0].upstreamPrefix`` (props speak snake_case)."""
    return re.sub(r"[a-z0-9]+(?:_[a-z0-9]+)+", lambda m: camel(m.group(0)), path)


# Props fields whose snake_case names may appear in library messages; the file speaks camelCase.
_PROPS_CLASSES = (
    UpstreamRule,
    UpstreamCredentials,
    RepositorySettings,
    Encryption,
    AccessSettings,
    WarmSettings,
    WorkstationSettings,
    RoleGovernance,
    LifecycleRule,
    ReadAccess,
    RegistrySettings,
    ScanningRule,
    ScanningSettings,
    MonitoringSettings,
    OrganizationSettings,
    HubLocation,
    StackSetLocation,
    DeploymentTargets,
)
_FIELD = re.compile(
    r"\b("
    + "|".join(
        sorted({f.name for c in _PROPS_CLASSES for f in dataclasses.fields(c) if "_" in f.name}, key=len, reverse=True)
    )
    + r")\b"
)


def camel_words(text: str) -> str:
    """``leave role_arn out`` -> ``leave roleArn out``: prop names in a message, as the file spells them."""
    return _FIELD.sub(lambda m: camel(m.group(1)), text)


def for_file(err: ValidationError, parent: str = "") -> ValidationError:
    """A library error as the config file's user reads it: camelCase path and names, the config fix."""
    fix = err.config_fix or err.fix
    return ValidationError(join_path(parent, camel_path(err.path)), camel_words(err.problem), camel_words(fix))


class Problems:
    """The independent mistakes of one file, so that one run reports them all."""

    def __init__(self) -> None:
        self.errors: list[ValidationError] = []

    def attempt(self, build: Callable[..., Any], *args: Any) -> Any:
        """``build(*args)``, or None after recording the ValidationError it raised."""
        try:
            return build(*args)
        except ValidationError as err:
            self.errors.append(err)
            return None


# --- shapes --------------------------------------------------------------------------------
def _mapping(value: Any, path: str, allowed: tuple[str, ...], what: str, problems: Optional[Problems] = None) -> dict:
    """The mapping; unknown keys are mistakes of their own (recorded, or the first one raised)."""
    if not isinstance(value, dict):
        raise ValidationError(
            path,
            f"expected a mapping ({what}), got {value!r}",
            f"write {path or 'the file'} as 'key: value' lines with keys among: {', '.join(allowed)}",
        )
    unknown = []
    for key in value:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"valid keys: {', '.join(allowed)}"
            unknown.append(ValidationError(join_path(path, str(key)), f"unknown key {key!r}", hint))
    if unknown:
        if problems is not None:
            problems.errors += unknown[1:]
        raise unknown[0]  # the object is not built: its other errors would follow from the typo
    return value


def _or_empty(doc: dict, key: str, empty: Any) -> Any:
    """The value of ``key``; an empty one (``key:`` with nothing after it) means ``empty``. A value of
    the wrong shape is passed on, to be refused where it is read."""
    value = doc.get(key)
    return empty if value is None else value


def _list(value: Any, path: str, what: str) -> list:
    if not isinstance(value, list):
        raise ValidationError(
            path, f"expected a list of {what}, got {value!r}", f"write {path} as a YAML list ('- item' lines or [a, b])"
        )
    return value


def _props(
    cls: type,
    raw: Any,
    path: str,
    what: str,
    convert: Optional[dict[str, Callable[[Any, str], Any]]] = None,
    problems: Optional[Problems] = None,
) -> Any:
    """Build a props dataclass from a YAML mapping whose keys are its fields in camelCase."""
    names = tuple(camel(f.name) for f in dataclasses.fields(cls))
    raw = _mapping(raw, path, names, what, problems)
    kwargs = {}
    for key, value in raw.items():
        name = snake(key)
        kwargs[name] = (convert or {}).get(name, lambda x, _p: x)(value, join_path(path, key))
    missing = [n for n, p in inspect.signature(cls).parameters.items() if p.default is p.empty and n not in kwargs]
    if missing:
        raise ValidationError(
            path,
            f"{path or 'the file'} has no {camel(missing[0])}",
            f"add '{camel(missing[0])}:' (see the README's config reference)",
        )
    try:
        return cls(**kwargs)
    except ValidationError as err:
        raise for_file(err, path) from None


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
    return tuple(_props(LifecycleRule, r, f"{path}[{i}]", "a lifecycle rule") for i, r in enumerate(rules))


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
        merged = {**(default if isinstance(default, dict) else {}), **own}
        settings = problems.attempt(
            _props, RepositorySettings, merged, path, "repository settings", REPOSITORY_CONVERTERS, problems
        )
        if settings is not None:
            out[rule.prefix] = settings
    return out


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


def _registry_singletons(out: dict, problems: Problems) -> list[str]:
    """The one scanning configuration must hold yours and the cache's; say that the stack owns the
    registry's singletons whenever it creates one."""
    registry, repositories = out.get("registry"), out.get("repositories")
    scan = repositories.scan_on_push if repositories else ScanOnPush.OFF
    cache_type = None if scan is ScanOnPush.OFF else scan.value.upper()
    rules = out.get("rules") or ()
    scanning = problems.attempt(
        merged_scanning, registry.scanning if registry else None, cache_type, [r.repository_pattern for r in rules]
    )
    policy = bool(out.get("access")) or bool(registry and registry.policy_statements)
    return [f"registry: {w}" for w in singleton_warnings(policy, scanning is not None)]


def _consumers(raw: Any, problems: Problems) -> tuple[str, ...]:
    raw = _mapping(raw, "consumers", ("roleNames",), "roleNames", problems)
    names = _list(raw.get("roleNames"), "consumers.roleNames", "role names")
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


def _stack_checks(out: dict, problems: Problems) -> list[str]:
    """What only the stacks can say (a KMS key's Region and account, CloudFormation's output limit);
    the same functions the constructs and stacks call at synth."""
    from ecr_ptc_runtime.mapping import root_overlaps
    from ecr_ptc_stacks.outputs import digest_outputs_warning

    warnings = []
    key = out["repositories"].encryption.kms_key_arn if out.get("repositories") else None
    for i, env in enumerate(out.get("environments") or ()):
        if out.get("workstation"):
            try:
                out["workstation"].check_region(env.region)
            except ValidationError as err:
                problems.errors.append(
                    ValidationError(
                        join_path("workstation", camel_path(err.path)), f"{err.problem} (environments[{i}])", err.fix
                    )
                )
        if key:
            error, warning = v.kms_key_location_problems(key, env.region, env.account)
            if error:
                problems.errors.append(
                    ValidationError(
                        "repositories.encryption.kmsKeyArn",
                        f"{error} (environments[{i}])",
                        f"use a key of {env.region}, or deploy the cache to {v.region_of_arn(key)[0]}",
                    )
                )
            if warning:
                warnings.append(f"repositories.encryption.kmsKeyArn: {warning} (environments[{i}])")
    problems.errors += _secret_location_errors(out)
    _list_sizes(out, problems)
    for prefix, settings in (out.get("prefix_repositories") or {}).items():
        key = settings.encryption.kms_key_arn
        for i, env in enumerate(out.get("environments") or ()):
            error = v.kms_key_location_problems(key, env.region, env.account)[0] if key else None
            if error:
                problems.errors.append(
                    ValidationError(
                        f"rules[{[r.prefix for r in out['rules']].index(prefix)}].repositories.encryption.kmsKeyArn",
                        f"{error} (environments[{i}])",
                        f"use a key of {env.region}",
                    )
                )
    template_role = out["iam"].template_role_arn if out.get("iam") else None
    for i, env in enumerate(out.get("environments") or ()):
        if template_role and env.account and v.region_of_arn(template_role)[1] != env.account:
            problems.errors.append(
                ValidationError(
                    "iam.templateRoleArn",
                    f"the role belongs to account {v.region_of_arn(template_role)[1]}, the stack to {env.account} "
                    f"(environments[{i}]): a role passed to ECR must be in the registry's own account",
                    "give a role of the stack's account, or leave templateRoleArn out (the stack creates one)",
                )
            )
    if out.get("rules") and out.get("warm"):
        warning = digest_outputs_warning(out["rules"], out["warm"])
        if warning:
            warnings.append(f"warm.images: {warning}")
    warnings += [f"rules: {w}" for w in root_overlaps(out.get("rules") or ())]
    return warnings


def _list_sizes(out: dict, problems: Problems) -> None:
    """With allow/deny lists, the policies that name every pattern must fit IAM's and ECR's size limits; a
    purge on stack delete never covers a ROOT rule."""
    rules = out.get("rules") or ()
    purge = bool(out.get("repositories") and out["repositories"].delete_on_stack_delete)
    problems.attempt(check_purge, list(rules), purge)
    if not any(r.restricted for r in rules):
        return
    access, registry = out.get("access"), out.get("registry")
    settings = [s for s in (out.get("repositories"), *(out.get("prefix_repositories") or {}).values()) if s]
    problems.attempt(
        lambda: check_policy_sizes(
            rules,
            tagged=any(s.tags for s in settings),
            principals=access.principals if access else (),
            organization_id=access.organization_id if access else None,
            extra_registry_statements=registry.policy_statements if registry else (),
        )
    )


def _secret_location_errors(out: dict) -> list[ValidationError]:
    """A literal secretArn serves a stack of its own account and Region only: with several environments
    it fits at most one of them."""
    errors = []
    for r, rule in enumerate(out.get("rules") or ()):
        arn = rule.credentials.secret_arn if rule.credentials else None
        for i, env in enumerate(out.get("environments") or ()):
            problem = v.secret_arn_location_problem(arn, env.region, env.account) if arn else None
            if problem:
                errors.append(
                    ValidationError(
                        f"rules[{r}].credentials.secretArn",
                        f"{problem} (environments[{i}])",
                        "use secretName: ecr-pullthroughcache/<name> (read in each stack's own account and "
                        "Region at deploy time, so each environment needs a secret of that name), or keep one "
                        "environment, the secret's",
                    )
                )
                break
    return errors


def _monitoring(raw: Any, environments: Sequence[Environment], problems: Problems) -> MonitoringSettings:
    """The monitoring settings; an existing topic must be in every environment's Region."""
    settings: MonitoringSettings = _props(
        MonitoringSettings, raw, "monitoring", "email, topicArn, dashboard", None, problems
    )
    for i, env in enumerate(environments):
        problem = settings.topic_location_problem(env.region)
        if problem:
            raise ValidationError(
                "monitoring.topicArn",
                f"{problem} (environments[{i}])",
                f"give a topic of {env.region}, or leave topicArn out (each stack then creates its own)",
            )
    return settings


def _organization(doc: dict, out: dict, problems: Problems) -> list[str]:
    """``organization``: the hub is the one environment (``environments`` is refused) and ``access`` gets the
    organization; then the stack checks, for the hub. Returns the warnings."""
    if "environments" in doc:
        problems.errors.append(
            ValidationError(
                "environments",
                "environments cannot be combined with organization: the hub is the cache's one environment",
                "remove environments; organization.hub says where the cache is, organization.targets where spokes go",
            )
        )
    parts: dict[str, tuple[type, str, dict]] = {
        "hub": (HubLocation, "account and region", {}),
        "stackSet": (StackSetLocation, "account, region, callAs, name", {}),
        "targets": (
            DeploymentTargets,
            "organizationalUnits and regions",
            {"organizational_units": _tuple, "regions": _tuple},
        ),
    }
    keys = tuple(camel(f.name) for f in dataclasses.fields(OrganizationSettings))
    raw = problems.attempt(
        _mapping, _or_empty(doc, "organization", {}), "organization", keys, "organization settings", problems
    )
    built = {}
    for key, (cls, what, convert) in parts.items():
        if raw and key in raw:
            built[key] = problems.attempt(_props, cls, raw[key], f"organization.{key}", what, convert, problems)
    settings = None
    if raw is not None and None not in built.values():
        settings = problems.attempt(
            _props, OrganizationSettings, {**raw, **built}, "organization", "organization settings"
        )
    warnings: list[str] = []
    if settings is not None:
        warnings += [f"organization: {w}" for w in settings.warnings]
        access = out.get("access")
        if access is not None and access.organization_id not in (None, settings.organization_id):
            problems.errors.append(
                ValidationError(
                    "access.organizationId",
                    f"{access.organization_id} is not organization.organizationId ({settings.organization_id})",
                    "remove access.organizationId (organization grants its own organization), or make them equal",
                )
            )
        elif access is not None or "access" not in doc:
            principals = access.principals if access else ()
            out["access"] = AccessSettings(principals=principals, organization_id=settings.organization_id)
        boundary = out["iam"].permissions_boundary if out.get("iam") else None
        if boundary and boundary.startswith("arn:") and not boundary.split(":")[4] == "aws":
            problems.errors.append(
                ValidationError(
                    "iam.permissionsBoundary",
                    "the spokes' roles get the boundary too, and an ARN names the policy of one account",
                    "give the policy's name: every account (the hub's and each spoke's) resolves it in itself",
                )
            )
        encrypted = [s for s in (out.get("repositories"), *(out.get("prefix_repositories") or {}).values()) if s]
        if any(s.encryption.kms_key_arn for s in encrypted):
            warnings.append(
                "organization: spokes encrypt their repositories with KMS under the AWS managed key aws/ecr: "
                "repositories.encryption's key belongs to the hub's account and Region"
            )
        principals = out["access"].principals if out.get("access") else ()
        length = hub_registry_policy_length(out.get("rules") or (), settings, principals)
        if length > MAX_REGISTRY_POLICY_CHARACTERS:
            problems.errors.append(
                ValidationError(
                    "rules",
                    f"with organization the hub's registry policy lists each prefix in every statement: about "
                    f"{length} characters, ECR takes {MAX_REGISTRY_POLICY_CHARACTERS}",
                    "use fewer or shorter prefixes, or fewer access.principals (the organization covers its accounts)",
                )
            )
        out["organization"] = settings
        out["environments"] = (Environment(settings.hub.region, settings.hub.account),)
    first = len(problems.errors)
    checks = _stack_checks(out, problems)
    hub = "(organization.hub)"
    for i, err in enumerate(problems.errors[first:], first):
        problems.errors[i] = ValidationError(err.path, err.problem.replace("(environments[0])", hub), err.fix)
    return warnings + [w.replace("(environments[0])", hub) for w in checks]


def build(document: Any) -> tuple[dict, list[str]]:
    """Typed props from a parsed document; raises ValidationError (the first mistake) with camelCase key
    paths. :func:`build_all` reports every mistake."""
    out, warnings, problems = build_all(document)
    if problems:
        raise problems[0]
    return out, warnings


def build_all(document: Any) -> tuple[dict, list[str], list[ValidationError]]:
    """Typed props, warnings and every independent mistake (camelCase key paths) of a parsed document."""
    problems = Problems()
    doc = problems.attempt(
        _mapping, {} if document is None else document, "", TOP_KEYS, "the config's top level", problems
    )
    if doc is None:
        if not isinstance(document, dict):
            return {}, [], problems.errors
        doc = {k: val for k, val in document.items() if k in TOP_KEYS}
    out: dict[str, Any] = {}
    warnings: list[str] = []
    rules = problems.attempt(_rules, doc, problems)
    if rules is not None:
        out["rules"] = tuple(rules)
    repositories = problems.attempt(
        _props,
        RepositorySettings,
        _or_empty(doc, "repositories", {}),
        "repositories",
        "repository settings",
        REPOSITORY_CONVERTERS,
        problems,
    )
    if repositories is not None:
        out["repositories"] = repositories
        out["prefix_repositories"] = _prefix_settings(doc, rules, problems)
        if rules is not None and repositories.scan_on_push is not ScanOnPush.OFF:
            problems.attempt(v.check_scan_filters, [r.prefix for r in rules], "rules")
        warnings += repositories.warnings
    if "access" in doc:
        out["access"] = problems.attempt(
            _props, AccessSettings, doc["access"], "access", "principals and/or organizationId", None, problems
        )
    out["environments"] = problems.attempt(_environments, doc, problems) or ()
    if "warm" in doc:
        warm = problems.attempt(_warm, doc["warm"], rules)
        if warm is not None:
            out["warm"], warm_warnings = warm
            warnings += warm_warnings
    if "workstation" in doc:
        out["workstation"] = problems.attempt(
            _props, WorkstationSettings, doc["workstation"], "workstation", "workstation settings", None, problems
        )
    if "iam" in doc:
        out["iam"] = problems.attempt(
            _props, RoleGovernance, doc["iam"], "iam", "permissionsBoundary, rolePath, templateRoleArn", None, problems
        )
    if "tags" in doc:
        out["tags"] = problems.attempt(check_resource_tags, doc["tags"], "tags") or {}
    if "consumers" in doc:
        out["consumer_role_names"] = problems.attempt(_consumers, doc["consumers"], problems) or ()
    if "registry" in doc:
        out["registry"] = problems.attempt(_registry, doc["registry"], problems)
    warnings += _registry_singletons(out, problems)
    if "monitoring" in doc:
        out["monitoring"] = problems.attempt(_monitoring, doc["monitoring"], out.get("environments") or (), problems)
    warnings += _organization(doc, out, problems) if "organization" in doc else _stack_checks(out, problems)
    return out, warnings, problems.errors


def load_config(path: Optional[str | os.PathLike] = None) -> AppConfig:
    """Load and check a config file (default: config/default.yaml). Raises ConfigError."""
    file = Path(path) if path else default_config()
    shown = str(path) if path else os.path.relpath(file)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            shown, "no such file", "check the path (cdk: -c config=PATH; ecr-ptc: the PATH or --config argument)"
        ) from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as err:
        raise ConfigError(
            shown, f"cannot read the file ({err.__class__.__name__})", "give a readable UTF-8 YAML file"
        ) from None
    try:
        document = yaml_source.parse(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = yaml_source.plain_problem(getattr(err, "problem", None) or str(err))
        fix = getattr(err, "fix", None) or "correct the YAML at that line (check indentation, colons and quotes)"
        raise ConfigError(shown, f"YAML syntax error: {problem}", fix, line=mark.line + 1 if mark else None) from None
    base = CONFIG_DIR.set(file.resolve().parent)  # lifecycleRules' policy files are relative to the config
    try:
        props, warnings, errors = build_all(document)
    finally:
        CONFIG_DIR.reset(base)
    if errors:
        raise ConfigError.of(
            shown,
            [Problem(f.path, f.problem, f.fix, yaml_source.line_of(document, f.path)) for f in map(for_file, errors)],
        )
    return AppConfig(file=shown, warnings=tuple(warnings), **props)
