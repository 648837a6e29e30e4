"""Read-only walks of AWS Organizations for ``ecr-ptc org plan``: the accounts below each target OU (nested OUs
included), each parent listed once. Only the standard library is imported here; botocore loads inside the
calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

NOT_FOUND = ("OrganizationalUnitNotFoundException", "ParentNotFoundException")


class SetupError(Exception):
    """AWS Organizations cannot be read (exit 2)."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


# What to do about the errors a first run meets most (by error code or class name: botocore loads lazily).
SETUP_FIXES = {
    "NoCredentialsError": "configure AWS credentials (aws configure, AWS_PROFILE or SSO login) of the management "
    "account or of a delegated administrator for AWS Organizations",
    "AccessDeniedException": "run with credentials of the management account, or of an account that AWS "
    "Organizations' delegated administration policy lets read the organization (organizations:Describe*, "
    "organizations:List*)",
    "AWSOrganizationsNotInUseException": "these credentials' account is in no organization: use the credentials "
    "of the organization's management account",
}


@dataclass(frozen=True)
class Account:
    """A member account below a target."""

    id: str
    name: str
    status: str
    parent: str  # the OU or root directly above it


@dataclass
class Target:
    """A target OU or root as the organization has it (``found`` False: no such id there)."""

    id: str
    name: str
    accounts: list[Account] = field(default_factory=list)
    nested_units: int = 0  # OUs below it
    found: bool = True


class Reader:
    """Read-only walks of the organization tree, each parent listed once."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._children: dict[str, tuple[list[dict], list[dict]]] = {}

    def call(self, method: str, expected: tuple[str, ...] = (), **kwargs: Any) -> Any:
        """``client.<method>(**kwargs)``; an AWS error is a SetupError (exit 2), except the ``expected`` codes."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, method)(**kwargs)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = error.get("Code", "")
            if code in expected:
                raise
            raise SetupError(
                f"{code} on {method}: {error.get('Message', '')}".rstrip(": "),
                SETUP_FIXES.get(
                    code,
                    "check the credentials' access to AWS Organizations (organizations:Describe*, "
                    "organizations:List*) and retry",
                ),
            ) from None
        except BotoCoreError as exc:
            name = type(exc).__name__
            raise SetupError(
                f"{name}: {exc}",
                SETUP_FIXES.get(name, "check the network path to AWS Organizations (organizations.us-east-1)"),
            ) from None

    def pages(self, method: str, key: str, **kwargs: Any) -> list[dict]:
        items: list[dict] = []
        token: Optional[str] = None
        while True:
            page = self.call(method, (), **kwargs, **({"NextToken": token} if token else {}))
            items += page.get(key, [])
            token = page.get("NextToken")
            if not token:
                return items

    def children(self, parent: str) -> tuple[list[dict], list[dict]]:
        """(OUs, accounts) directly under ``parent``."""
        if parent not in self._children:
            units = self.pages("list_organizational_units_for_parent", "OrganizationalUnits", ParentId=parent)
            accounts = self.pages("list_accounts_for_parent", "Accounts", ParentId=parent)
            self._children[parent] = (units, accounts)
        return self._children[parent]

    def subtree(self, root: str) -> tuple[list[Account], int]:
        """Every account below ``root`` (nested OUs included) and how many OUs are below it."""
        accounts: list[Account] = []
        units = 0
        todo = [root]
        while todo:
            parent = todo.pop()
            child_units, child_accounts = self.children(parent)
            units += len(child_units)
            todo += [u["Id"] for u in child_units]
            accounts += [Account(a["Id"], a.get("Name", ""), a.get("Status", "ACTIVE"), parent) for a in child_accounts]
        return sorted(accounts, key=lambda a: a.id), units


def read_target(reader: Reader, target: str, roots: dict[str, str]) -> Target:
    """A target OU or root with every account below it; ``found`` False when the organization has no such id."""
    from botocore.exceptions import ClientError

    if target.startswith("r-"):
        if target not in roots:
            return Target(target, "", found=False)
        name = roots[target]
    else:
        try:
            unit = reader.call("describe_organizational_unit", NOT_FOUND, OrganizationalUnitId=target)[
                "OrganizationalUnit"
            ]
        except ClientError:  # one of NOT_FOUND: the others are SetupErrors
            return Target(target, "", found=False)
        name = unit.get("Name", "")
    accounts, units = reader.subtree(target)
    return Target(target, name, accounts, units)


__all__ = ["Account", "NOT_FOUND", "Reader", "SetupError", "Target", "read_target"]
