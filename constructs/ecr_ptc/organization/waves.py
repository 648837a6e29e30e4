"""How a StackSet rollout proceeds: the StackSets quotas that bound it and the waves its preferences imply.

Pure arithmetic (no CDK, no AWS call), shared by ``ecr-ptc org plan``, the README and the tests.

Sources: AWS CloudFormation User Guide, "Understand CloudFormation quotas" (stack instances per stack
set, stack sets per administrator account, stack instance operations per Region) and "StackSets
concepts", "StackSet operation options" (percentages round down; the maximum speed of deployment).
The STRICT_FAILURE_TOLERANCE behaviour (a Region runs at most failure tolerance + 1 accounts at once)
is the CloudFormation API reference's, StackSetOperationPreferences.ConcurrencyMode.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ecr_ptc.organization.settings import OrganizationSettings, RegionConcurrency

STACK_INSTANCES_PER_STACK_SET = 100_000
STACK_SETS_PER_ADMINISTRATOR_ACCOUNT = 1_000
INSTANCE_OPERATIONS_PER_REGION = 10_000  # across all stack sets of one administrator account
MAX_CONCURRENT_INSTANCES_PER_STACK_SET = 100  # "the maximum speed of deployment"
# A spoke stack is one IAM role, one managed policy and two ECR resources per rule: IAM's eventual
# consistency dominates. An estimate to override with what your own first waves show.
DEFAULT_MINUTES_PER_INSTANCE = 2.0


@dataclass(frozen=True)
class Rollout:
    """What one StackSet operation over ``accounts`` accounts and ``regions`` Regions amounts to."""

    accounts: int
    regions: int
    instances: int  # stack instances: accounts x Regions
    per_region: int  # accounts a Region works on at once
    at_once: int  # stack instances in progress at once, all Regions together
    waves: int  # rounds of ``at_once`` instances, one after the other
    minutes: float  # waves x minutes per instance

    @property
    def over_quota(self) -> bool:
        return self.instances > STACK_INSTANCES_PER_STACK_SET


def per_region_concurrency(accounts: int, settings: OrganizationSettings) -> int:
    """Accounts one Region deploys to at once: the percentage rounded down (at least one), never more
    than failure tolerance + 1 (STRICT_FAILURE_TOLERANCE), never more than the per-stack-set maximum."""
    if accounts <= 0:
        return 0
    max_concurrent = max(1, accounts * settings.max_concurrent_percentage // 100)
    tolerance = accounts * settings.failure_tolerance_percentage // 100
    return min(max_concurrent, tolerance + 1, MAX_CONCURRENT_INSTANCES_PER_STACK_SET)


def plan_rollout(
    accounts: int,
    regions: int,
    settings: OrganizationSettings,
    minutes_per_instance: float = DEFAULT_MINUTES_PER_INSTANCE,
) -> Rollout:
    """The waves of one operation that creates or updates every stack instance.

    :param accounts: accounts that get a stack instance (after the hub and management accounts are left out).
    :param regions: target Regions.
    :param settings: the operation preferences.
    :param minutes_per_instance: how long one stack instance takes (default 2).
    """
    if accounts <= 0 or regions <= 0:
        return Rollout(max(accounts, 0), max(regions, 0), 0, 0, 0, 0, 0.0)
    per_region = per_region_concurrency(accounts, settings)
    if settings.region_concurrency is RegionConcurrency.SEQUENTIAL:
        at_once = per_region
        waves = regions * math.ceil(accounts / per_region)
    else:
        at_once = min(per_region * regions, MAX_CONCURRENT_INSTANCES_PER_STACK_SET)
        waves = math.ceil(accounts * regions / at_once)
    return Rollout(
        accounts=accounts,
        regions=regions,
        instances=accounts * regions,
        per_region=per_region,
        at_once=at_once,
        waves=waves,
        minutes=waves * minutes_per_instance,
    )


__all__ = [
    "DEFAULT_MINUTES_PER_INSTANCE",
    "INSTANCE_OPERATIONS_PER_REGION",
    "MAX_CONCURRENT_INSTANCES_PER_STACK_SET",
    "Rollout",
    "STACK_INSTANCES_PER_STACK_SET",
    "STACK_SETS_PER_ADMINISTRATOR_ACCOUNT",
    "per_region_concurrency",
    "plan_rollout",
]
