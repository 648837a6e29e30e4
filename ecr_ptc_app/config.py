"""The YAML config file -> typed construct props.

The rules themselves live in the construct library (``ecr_ptc``); this module only knows the
file: its keys (camelCase of the props' snake_case names), its lines, and where it is.
"""
from __future__ import annotations

import dataclasses
import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import yaml

from ecr_ptc import validation as v
from ecr_ptc.errors import ValidationError, at_path, join_path
from ecr_ptc.settings import AccessSettings, Encryption, RepositorySettings
from ecr_ptc.upstream import UpstreamCredentials, UpstreamRule, check_rules
from ecr_ptc.warming import WarmSettings, resolve_warm_images
from ecr_ptc.workstation_settings import WorkstationSettings

from . import yaml_source

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "default.yaml"
TOP_KEYS = ("rules", "repositories", "access", "environments", "warm", "workstation")


class ConfigError(Exception):
    """A user mistake in the config file, formatted for people: file, line, key, problem, fix."""

    def __init__(self, file: str, problem: str, fix: str, path: str = "", line: Optional[int] = None):
        self.file, self.problem, self.fix, self.path, self.line = file, problem, fix, path, line
        where = file + (f":{line}" if line else "")
        key = f" {path}:" if path else ""
        super().__init__(f"{where}:{key} {problem}.\n  Fix: {fix}")


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
    warnings: tuple[str, ...] = field(default=())


# --- names -------------------------------------------------------------------------------
def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def camel_path(path: str) -> str:
    """``rules[0].upstream_prefix`` -> ``rules[0].upstreamPrefix`` (props speak snake_case)."""
    return re.sub(r"[a-z0-9]+(?:_[a-z0-9]+)+", lambda m: camel(m.group(0)), path)


# --- shapes --------------------------------------------------------------------------------
def _mapping(value: Any, path: str, allowed: tuple[str, ...], what: str) -> dict:
    if not isinstance(value, dict):
        raise ValidationError(path, f"expected a mapping ({what}), got {value!r}",
                              f"write {path} as 'key: value' lines with keys among: {', '.join(allowed)}")
    for key in value:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"valid keys: {', '.join(allowed)}"
            raise ValidationError(join_path(path, str(key)), f"unknown key {key!r}", hint)
    return value


def _list(value: Any, path: str, what: str) -> list:
    if not isinstance(value, list):
        raise ValidationError(path, f"expected a list of {what}, got {value!r}",
                              f"write {path} as a YAML list ('- item' lines or [a, b])")
    return value


def _props(cls: type, raw: Any, path: str, what: str,
           convert: Optional[dict[str, Callable[[Any, str], Any]]] = None) -> Any:
    """Build a props dataclass from a YAML mapping whose keys are its fields in camelCase."""
    names = tuple(camel(f.name) for f in dataclasses.fields(cls))
    raw = _mapping(raw, path, names, what)
    kwargs = {}
    for key, value in raw.items():
        name = snake(key)
        kwargs[name] = (convert or {}).get(name, lambda x, _p: x)(value, join_path(path, key))
    try:
        return cls(**kwargs)
    except ValidationError as err:  # props speak snake_case; the file speaks camelCase
        raise ValidationError(join_path(path, camel_path(err.path)), err.problem, err.fix) from None


def _credentials(raw: Any, path: str) -> UpstreamCredentials:
    return _props(UpstreamCredentials, raw, path, "one of secretName, secretArn or create")


def _encryption(raw: Any, path: str) -> Encryption:
    if isinstance(raw, str) and raw.upper() == "AES256":
        return Encryption.aes256()
    if isinstance(raw, dict):
        return _props(Encryption, raw, path, "kmsKeyArn")
    raise ValidationError(path, f"{raw!r} is not an encryption setting",
                          "write 'encryption: AES256' or 'encryption: {kmsKeyArn: <key arn>}'")


def _rule(raw: Any, path: str) -> UpstreamRule:
    rule_keys = tuple(camel(f.name) for f in dataclasses.fields(UpstreamRule))
    if isinstance(raw, dict) and "upstream" not in raw:
        raise ValidationError(path, "the rule has no upstream", "add 'upstream:', e.g. upstream: ecr-public")
    return _props(UpstreamRule, raw, path, f"a rule with keys {', '.join(rule_keys)}",
                  {"credentials": _credentials})


def _environment(raw: Any, path: str) -> Environment:
    raw = _mapping(raw, path, ("account", "region"), "account and region")
    if "region" not in raw:
        raise ValidationError(path, "the environment has no region", "add 'region:', e.g. region: eu-west-1")
    account = v.check_account_id(raw["account"], f"{path}.account") if "account" in raw else None
    return Environment(v.check_region(raw["region"], f"{path}.region"), account)


def build(document: Any) -> tuple[dict, list[str]]:
    """Typed props from a parsed document; raises ValidationError with camelCase key paths."""
    if document is None:
        document = {}
    doc = _mapping(document, "", TOP_KEYS, "the config's top level")
    if "rules" not in doc:
        raise ValidationError("rules", "the config has no rules", "add a 'rules:' list, e.g. - upstream: ecr-public")
    rules = [_rule(raw, f"rules[{i}]") for i, raw in enumerate(_list(doc["rules"], "rules", "rules"))]
    check_rules(rules, "rules")
    out: dict[str, Any] = {"rules": tuple(rules)}
    out["repositories"] = _props(RepositorySettings, doc.get("repositories") or {}, "repositories",
                                 "repository settings", {"encryption": _encryption})
    warnings = list(out["repositories"].warnings)
    if "access" in doc:
        out["access"] = _props(AccessSettings, doc["access"], "access", "principals and/or organizationId")
    envs = [_environment(raw, f"environments[{i}]")
            for i, raw in enumerate(_list(doc.get("environments") or [], "environments", "environments"))]
    seen = {}
    for i, env in enumerate(envs):
        if env in seen:
            raise ValidationError(f"environments[{i}]", f"same account and region as environments[{seen[env]}]",
                                  "remove the duplicate")
        seen[env] = i
    out["environments"] = tuple(envs)
    if "warm" in doc:
        settings = _props(WarmSettings, doc["warm"], "warm", "warm settings")
        with at_path("warm"):
            images, warm_warnings = resolve_warm_images(settings, rules)
        out["warm"] = dataclasses.replace(settings, images=tuple(images))
        warnings += [f"warm.{w}" for w in warm_warnings]
    if "workstation" in doc:
        out["workstation"] = _props(WorkstationSettings, doc["workstation"], "workstation", "workstation settings")
    return out, warnings


def load_config(path: Optional[str | os.PathLike] = None) -> AppConfig:
    """Load and check a config file (default: config/default.yaml). Raises ConfigError."""
    file = Path(path) if path else DEFAULT_CONFIG
    shown = str(path) if path else os.path.relpath(DEFAULT_CONFIG)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(shown, "no such file", "check the path given with -c config=PATH") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as err:
        raise ConfigError(shown, f"cannot read the file ({err.__class__.__name__})",
                          "give a readable UTF-8 YAML file") from None
    try:
        document = yaml_source.parse(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        problem = getattr(err, "problem", None) or str(err)
        raise ConfigError(shown, f"YAML syntax error: {problem}", "correct the YAML at that line "
                          "(check indentation, colons and quotes)",
                          line=mark.line + 1 if mark else None) from None
    try:
        props, warnings = build(document)
    except ValidationError as err:
        line = yaml_source.line_of(document, err.path)
        raise ConfigError(shown, err.problem, err.fix, err.path, line) from None
    return AppConfig(file=shown, warnings=tuple(warnings), **props)
