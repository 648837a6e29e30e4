"""What a checked config file is (``AppConfig``, ``Environment``), and where the default one is."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from ecr_ptc.cache.registry_settings import (
    RegistrySettings,
)
from ecr_ptc.cache.rules import UpstreamRule
from ecr_ptc.cache.settings import AccessSettings, RepositorySettings
from ecr_ptc.governance.settings import RoleGovernance
from ecr_ptc.monitoring.settings import MonitoringSettings
from ecr_ptc.organization.settings import (
    OrganizationSettings,
)
from ecr_ptc.warming.settings import WarmSettings
from ecr_ptc.workstation.settings import WorkstationSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent  # ecr_ptc_app/config/model.py -> the clone


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


@dataclass(frozen=True)
class Environment:
    region: str
    account: Optional[str] = None  # None: the account of the credentials that deploy


@dataclass(frozen=True)
class AppConfig:
    """A checked config file, as the stacks and the commands read it: the construct props of every key.

    Made by :func:`load_config` only (every value checked; ``warnings`` what validate prints). With
    ``organization``, ``environments`` is the hub alone and ``access`` grants the organization.
    """

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

    @property
    def region(self) -> Optional[str]:
        """The cache's Region when the config says one (exactly one environment, or the hub), else None."""
        return self.environments[0].region if len(self.environments) == 1 else None
