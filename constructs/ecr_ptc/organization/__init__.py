"""Organization rollout: one hub cache, a spoke in every member account and Region via CloudFormation StackSets.

Modules: ``settings`` (``OrganizationSettings`` and its parts, ``spoke_rules``: no CDK), ``rollout`` (StackSets
quotas and the wave arithmetic ``ecr-ptc org plan`` prints: no CDK), ``policy`` (pure IAM builders for the
hub's grants and the spoke's role), ``spoke`` (``SpokeCache``, ``SpokeStack``: the StackSet's template),
``stack_set`` (``SpokeStackSet``) and ``organization_cache`` (``OrganizationCache``, which ties hub, spoke and
StackSet together).

Names load lazily (``from ecr_ptc.organization import OrganizationSettings`` starts no jsii runtime; the
constructs start it when first used), so importing the package loads none of the modules.
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "CallAs": "settings",
    "DeploymentTargets": "settings",
    "HubLocation": "settings",
    "OrganizationCache": "organization_cache",
    "OrganizationSettings": "settings",
    "PublicUpstreams": "settings",
    "RegionConcurrency": "settings",
    "SpokeCache": "spoke",
    "SpokeStack": "spoke",
    "SpokeStackSet": "stack_set",
    "StackSetLocation": "settings",
    "plan_rollout": "rollout",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'ecr_ptc.organization' has no attribute {name!r}")
    return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)


def __dir__() -> list[str]:
    return list(__all__)
