"""The mistakes of a config file, as people read them: where (file, line, key path), what, the fix;
and the names of props as the file spells them (camelCase)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

from ecr_ptc.cache.lifecycle import LifecycleRule
from ecr_ptc.cache.registry_settings import (
    RegistrySettings,
    ScanningRule,
    ScanningSettings,
)
from ecr_ptc.cache.rules import UpstreamCredentials, UpstreamRule
from ecr_ptc.cache.settings import AccessSettings, Encryption, ReadAccess, RepositorySettings
from ecr_ptc.errors import ValidationError, join_path
from ecr_ptc.governance.settings import RoleGovernance
from ecr_ptc.monitoring.settings import MonitoringSettings
from ecr_ptc.organization.settings import (
    DeploymentTargets,
    HubLocation,
    OrganizationSettings,
    StackSetLocation,
)
from ecr_ptc.warming.settings import WarmSettings
from ecr_ptc.workstation.settings import WorkstationSettings

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
