"""The wave arithmetic `ecr-ptc org plan` prints (StackSets operation options, STRICT_FAILURE_TOLERANCE)."""

from __future__ import annotations

import pytest

from ecr_ptc.organization.waves import (
    MAX_CONCURRENT_INSTANCES_PER_STACK_SET,
    STACK_INSTANCES_PER_STACK_SET,
    per_region_concurrency,
    plan_rollout,
)

from .conftest import settings


@pytest.mark.parametrize(
    "accounts, concurrent, tolerance, expected",
    [
        (10, 25, 100, 2),  # the User Guide's example: 25 % of 10 accounts rounds down to 2
        (10, 5, 100, 1),  # rounding down to 0 means 1
        (100, 50, 10, 11),  # STRICT_FAILURE_TOLERANCE: at most failure tolerance + 1
        (100, 10, 0, 1),  # no failure tolerated: one at a time
        (5000, 100, 100, MAX_CONCURRENT_INSTANCES_PER_STACK_SET),  # the stack set's maximum speed
        (0, 10, 10, 0),
    ],
)
def test_per_region_concurrency(accounts, concurrent, tolerance, expected):
    s = settings(max_concurrent_percentage=concurrent, failure_tolerance_percentage=tolerance)
    assert per_region_concurrency(accounts, s) == expected


def test_sequential_regions_add_up():
    plan = plan_rollout(52, 2, settings(), minutes_per_instance=2)
    assert (plan.instances, plan.per_region, plan.at_once, plan.waves, plan.minutes) == (104, 5, 5, 22, 44)


def test_parallel_regions_share_the_stack_sets_maximum_speed():
    small = plan_rollout(52, 2, settings(region_concurrency="PARALLEL"))
    assert (small.at_once, small.waves) == (10, 11)  # both Regions at once: half the waves
    large = plan_rollout(1000, 16, settings(region_concurrency="PARALLEL"), minutes_per_instance=2)
    assert (large.per_region, large.at_once, large.waves, large.minutes) == (100, 100, 160, 320)


def test_a_thousand_accounts_in_sixteen_regions_stay_inside_the_quotas():
    plan = plan_rollout(1000, 16, settings())
    assert plan.instances == 16_000 < STACK_INSTANCES_PER_STACK_SET and not plan.over_quota
    assert (plan.per_region, plan.waves) == (100, 160)
    assert plan_rollout(7000, 16, settings()).over_quota


def test_nothing_to_deploy():
    plan = plan_rollout(0, 3, settings())
    assert (plan.instances, plan.waves, plan.minutes) == (0, 0, 0.0)
