"""ecr_ptc: an Amazon ECR pull-through cache as CDK constructs.

Names load lazily, so the props and checks (``ecr_ptc.cache.rules``, ``ecr_ptc.validation``...) can
be used - by ``ecr-ptc validate`` for one - without starting the CDK's jsii runtime.

Public API: the names in ``__all__`` (with their documented parameters, attributes and methods),
and ``__version__``. Versions follow semantic versioning (see CHANGELOG.md); the submodules
(``ecr_ptc.cache.policy``, ``ecr_ptc.nag``...) and the other installed packages (``ecr_ptc_app``,
``ecr_ptc_stacks``, ``ecr_ptc_runtime``) may change in any release.
"""

import importlib.metadata as _metadata
from importlib import import_module
from typing import Any

try:  # one source: the installed distribution's metadata, i.e. pyproject.toml's [project] version
    __version__ = _metadata.version("ecr-ptc")
except _metadata.PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

_EXPORTS = {
    "AccessSettings": "cache.settings",
    "CacheMonitoring": "monitoring.cache_monitoring",
    "CallAs": "organization.settings",
    "DeploymentTargets": "organization.settings",
    "HubLocation": "organization.settings",
    "HubMissFill": "organization.miss_fill",
    "OrganizationCache": "organization.organization_cache",
    "OrganizationSettings": "organization.settings",
    "PublicUpstreams": "organization.settings",
    "RegionConcurrency": "organization.settings",
    "SpokeCache": "organization.spoke",
    "SpokeStack": "organization.spoke",
    "SpokeStackSet": "organization.stack_set",
    "StackSetLocation": "organization.settings",
    "plan_rollout": "organization.waves",
    "CacheWarmer": "warming.cache_warmer",
    "Cloud9Workstation": "workstation.cloud9",
    "Ec2Workstation": "workstation.ec2",
    "Encryption": "cache.settings",
    "IPullThroughCache": "cache.base",
    "LifecycleRule": "cache.lifecycle",
    "ReadAccess": "cache.settings",
    "RegistrySettings": "cache.registry_settings",
    "RoleGovernance": "governance.settings",
    "ScanningRule": "cache.registry_settings",
    "ScanningSettings": "cache.registry_settings",
    "apply_resource_tags": "governance.aspects",
    "apply_role_governance": "governance.aspects",
    "MonitoringSettings": "monitoring.settings",
    "PullThroughCache": "cache.pull_through_cache",
    "PullThroughFailureEvents": "monitoring.pull_through_events",
    "RepositorySettings": "cache.settings",
    "ScanOnPush": "cache.settings",
    "TagMutability": "cache.settings",
    "UpstreamCredentials": "cache.rules",
    "UpstreamRule": "cache.rules",
    "ValidationError": "errors",
    "OnFailure": "warming.settings",
    "WarmSettings": "warming.settings",
    "WorkstationKind": "workstation.settings",
    "WorkstationSettings": "workstation.settings",
    "resolve_warm_images": "warming.settings",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'ecr_ptc' has no attribute {name!r}")
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)


def __dir__() -> list[str]:
    # Only the public names: the lazily loaded modules are not part of the API.
    return list(__all__)
