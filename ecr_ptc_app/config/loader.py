"""Reading a config file: parse, build every key, check across keys, report every mistake."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

import yaml

from ecr_ptc import validation as v
from ecr_ptc.cache.settings import AccessSettings, RepositorySettings, ScanOnPush
from ecr_ptc.errors import ValidationError
from ecr_ptc.governance.settings import RoleGovernance
from ecr_ptc.workstation.settings import WorkstationSettings

from .. import yaml_source
from .checks import _organization, _places, _region_warnings, _registry_singletons, _stack_checks
from .errors import ConfigError, Problem, Problems, for_file
from .keys import (
    CONFIG_DIR,
    REPOSITORY_CONVERTERS,
    _consumers,
    _environments,
    _monitoring,
    _prefix_settings,
    _registry,
    _rules,
    _tags,
    _warm,
)
from .model import TOP_KEYS, AppConfig, default_config
from .shapes import _FILE_PROBLEMS, _mapping, _or_empty, _props


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
    token = _FILE_PROBLEMS.set(problems)
    try:
        return _build_all(document, problems)
    finally:
        _FILE_PROBLEMS.reset(token)


def _build_all(document: Any, problems: Problems) -> tuple[dict, list[str], list[ValidationError]]:
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
        out["tags"] = problems.attempt(_tags, doc["tags"], problems) or {}
    if "consumers" in doc:
        out["consumer_role_names"] = problems.attempt(_consumers, doc["consumers"], problems) or ()
    if "registry" in doc:
        out["registry"] = problems.attempt(_registry, doc["registry"], problems)
    if "monitoring" in doc:
        out["monitoring"] = problems.attempt(_monitoring, doc["monitoring"], problems)
    organized = "organization" in doc
    if organized:  # the hub becomes the one environment, and access gets the organization
        warnings += _organization(doc, out, problems)
    # What depends on the environments or on access runs once both are final.
    warnings += _region_warnings(out, organized)
    warnings += _registry_singletons(out, problems)
    warnings += _stack_checks(out, problems, _places(out, organized))
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
        where = getattr(err, "path", "")  # a number YAML reads otherwise knows its key path
        raise ConfigError(
            shown,
            problem if where else f"YAML syntax error: {problem}",
            fix,
            path=where,
            line=mark.line + 1 if mark else None,
        ) from None
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
