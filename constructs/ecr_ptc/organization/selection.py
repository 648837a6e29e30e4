"""Which accounts the spoke StackSet deploys to: the one owner of "the target OUs' accounts, minus the hub,
minus the management account", read by the StackSet construct (its deployment targets) and by
``ecr-ptc org plan`` (the accounts it lists). No CDK imports.

Service-managed StackSets never deploy to the organization's management account; the hub is left out with
the account filter ``DIFFERENCE``. Automatic deployments ignore account filters (the README's
"Organization rollout" cites the pages).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ecr_ptc.organization.settings import OrganizationSettings

ACCOUNT_FILTER_TYPE = "DIFFERENCE"


@dataclass(frozen=True)
class AccountSelection:
    """The StackSet's deployment targets: every account of ``organizational_units`` (nested OUs included) but
    ``excluded`` (filtered out with :data:`ACCOUNT_FILTER_TYPE`), and never the management account."""

    organizational_units: tuple[str, ...]
    excluded: tuple[str, ...]
    account_filter_type: str = ACCOUNT_FILTER_TYPE

    def accounts(self, in_targets: Iterable[str], management_account: str) -> list[str]:
        """The accounts that get a spoke, sorted, of the accounts the target OUs hold."""
        left_out = {*self.excluded, management_account}
        return sorted(a for a in set(in_targets) if a not in left_out)


def account_selection(settings: OrganizationSettings) -> AccountSelection:
    """The accounts ``settings`` deploys spokes to: the target OUs minus the hub account."""
    return AccountSelection(tuple(settings.targets.organizational_units), (settings.hub.account,))


__all__ = ["ACCOUNT_FILTER_TYPE", "AccountSelection", "account_selection"]
