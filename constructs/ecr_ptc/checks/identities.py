"""Accounts, organizations, principals and ARNs (IAM roles, KMS keys), and where an ARN's resource is."""

from __future__ import annotations

import re
from typing import Any, Optional

from ecr_ptc.checks.basics import check_type, fail, is_token
from ecr_ptc.errors import ValidationError

ACCOUNT_PATTERN = re.compile(r"^\d{12}$")


ORG_PATTERN = re.compile(r"^o-[a-z0-9]{10,32}$")


IAM_PRINCIPAL_PATTERN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:(root|user/[\w+=,.@/-]+|role/[\w+=,.@/-]+)$")


ROLE_ARN_PATTERN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")


KMS_KEY_ARN_PATTERN = re.compile(r"^arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:\d{12}:key/[a-zA-Z0-9-]+$")


def check_account_id(value: Any, path: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML reads an unquoted account id as a number; only all 12 digits say which account
        value = str(value) if 10**11 <= value < 10**12 else f"{value}"
    check_type(value, str, path, "a 12-digit AWS account id")
    if not ACCOUNT_PATTERN.match(value):
        fail(path, f"{value!r} is not a 12-digit AWS account id", "quote the id and give all 12 digits")
    return value


def check_principal(value: Any, path: str) -> str:
    """An account id or an IAM root/user/role ARN."""
    if value == "*":
        raise ValidationError(
            path,
            "'*' would let every AWS account pull through the cache (and fill it at your cost)",
            "to let your organization's accounts pull, pass organization_id='o-...' instead of '*'; "
            "otherwise list account ids or role ARNs",
            "to let your organization's accounts pull, give organizationId: o-... (aws organizations "
            "describe-organization) instead of '*'; otherwise list account ids or role ARNs",
        )
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        or (isinstance(value, str) and not value.startswith("arn:"))
    ):
        return check_account_id(value, path)
    check_type(value, str, path, "an account id or IAM ARN")
    if not IAM_PRINCIPAL_PATTERN.match(value):
        fail(
            path,
            f"{value!r} is not an account id or IAM user/role ARN",
            "give a 12-digit account id or an ARN like arn:aws:iam::123456789012:role/Builder",
        )
    return value


def check_pattern(value: Any, path: str, pattern: re.Pattern, what: str, fix: str) -> str:
    """A string that must match ``pattern``; ``what`` names it in the problem ("an IAM role ARN")."""
    check_type(value, str, path, what)
    if not is_token(value) and not pattern.match(value):
        fail(path, f"{value!r} is not {what}", fix)
    return value


def check_organization_id(value: Any, path: str) -> str:
    return check_pattern(
        value,
        path,
        ORG_PATTERN,
        "an AWS Organizations id",
        "give the id from 'aws organizations describe-organization', like o-a1b2c3d4e5",
    )


def region_of_arn(arn: str) -> tuple[str, str]:
    """(region, account) of an ARN such as arn:aws:kms:eu-west-1:123456789012:key/..."""
    parts = arn.split(":", 5)
    return parts[3], parts[4]


def kms_key_location_problems(
    key_arn: str, region: Optional[str], account: Optional[str]
) -> tuple[Optional[str], Optional[str]]:
    """(error, warning) for a KMS key used by repositories in ``region``/``account`` (None: not known).

    A key of another Region cannot encrypt a repository (KMS keys are regional); a key of another
    account works only if its key policy lets this account use it."""
    if is_token(key_arn):
        return None, None
    key_region, key_account = region_of_arn(key_arn)
    error = warning = None
    if region and key_region != region:
        error = (
            f"the KMS key is in {key_region}, the repositories in {region}: ECR needs a key of the "
            "repository's own Region"
        )
    if account and key_account != account:
        warning = (
            f"the KMS key belongs to account {key_account}, the repositories to {account}: its key policy "
            f"must let {account} use it (kms:CreateGrant, kms:DescribeKey), or ECR cannot create them"
        )
    return error, warning


def check_role_arn(value: Any, path: str) -> str:
    return check_pattern(
        value, path, ROLE_ARN_PATTERN, "an IAM role ARN", "give an ARN like arn:aws:iam::123456789012:role/PtcUpstream"
    )


# AWS::ECR::RepositoryCreationTemplate CustomRoleArn: no path in the role ARN (role/<name> only).
TEMPLATE_ROLE_ARN_PATTERN = re.compile(r"^arn:aws[-a-z0-9]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_-]{1,64}$")


def check_template_role_arn(value: Any, path: str) -> str:
    return check_pattern(
        value,
        path,
        TEMPLATE_ROLE_ARN_PATTERN,
        "an IAM role ARN without a path (ECR's CustomRoleArn for templates allows none)",
        "give an ARN like arn:aws:iam::123456789012:role/EcrTemplates, of a role whose path is /",
    )


def check_kms_key_arn(value: Any, path: str) -> str:
    return check_pattern(
        value,
        path,
        KMS_KEY_ARN_PATTERN,
        "a KMS key ARN",
        "give the key's ARN (aliases cannot be granted in IAM policies), like "
        "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    )
