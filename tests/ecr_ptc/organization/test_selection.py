"""The StackSet's account selection, the one owner that the construct and ``ecr-ptc org plan`` both read."""

from __future__ import annotations

from ecr_ptc.organization.selection import account_selection
from tests.ecr_ptc.organization.conftest import HUB, TARGETS, settings

MANAGEMENT = "999999999999"


def test_the_selection_is_the_target_ous_with_the_hub_filtered_out():
    selection = account_selection(settings())
    assert selection.organizational_units == TARGETS.organizational_units
    assert selection.excluded == (HUB.account,)
    assert selection.account_filter_type == "DIFFERENCE"


def test_the_accounts_leave_out_the_hub_and_the_management_account_once_each_sorted():
    accounts = ["333333333333", HUB.account, MANAGEMENT, "123456789012", "333333333333"]
    assert account_selection(settings()).accounts(accounts, MANAGEMENT) == ["123456789012", "333333333333"]
    assert account_selection(settings()).accounts([HUB.account, MANAGEMENT], MANAGEMENT) == []
