"""Upstream credentials in Secrets Manager: the names and ARNs ECR reads, and where they must be."""

from __future__ import annotations

import re
from typing import Any, Optional

from ecr_ptc.checks.basics import check_type, fail, is_token
from ecr_ptc.checks.identities import region_of_arn

SECRET_NAME_PREFIX = "ecr-pullthroughcache/"


SECRET_NAME_PATTERN = re.compile(r"^ecr-pullthroughcache/[a-zA-Z0-9/_+=.@-]+$")


SECRET_ARN_PATTERN = re.compile(
    r"^arn:aws(-\w+)*:secretsmanager:[a-zA-Z0-9-:]+:secret:ecr\-pullthroughcache\/[a-zA-Z0-9\/_+=.@-]+$"
)


# Secrets Manager appends "-" and six random characters to a secret's name in its ARN: the complete
# ARN is ...:secret:ecr-pullthroughcache/<name>-<6 characters>, with a name of at least one character.
SECRET_ARN_SUFFIX = re.compile(r"-[a-zA-Z0-9]{6}$")


SECRET_ARN_COMPLETE = re.compile(r":secret:ecr-pullthroughcache/[a-zA-Z0-9/_+=.@-]+-[a-zA-Z0-9]{6}$")


# Six lower-case letters after the last '-' are far more often the end of a name ('-docker', '-github')
# than a random suffix (about 1 in 190 suffixes looks like that): refused as ambiguous, secretName fits.
SECRET_ARN_WORD_SUFFIX = re.compile(r"-[a-z]{6}$")


def check_secret_name(value: Any, path: str) -> str:
    check_type(value, str, path, "a secret name")
    if not value.startswith(SECRET_NAME_PREFIX):
        fail(
            path,
            f"secret name {value!r} does not start with {SECRET_NAME_PREFIX!r}",
            f"ECR only reads secrets named '{SECRET_NAME_PREFIX}<name>'; rename the secret",
        )
    if not SECRET_NAME_PATTERN.match(value):
        fail(
            path,
            f"secret name {value!r} has characters Secrets Manager does not allow",
            "use letters, digits and /_+=.@- only",
        )
    return value


def check_secret_arn(value: Any, path: str) -> str:
    check_type(value, str, path, "a Secrets Manager secret ARN")
    if is_token(value):
        return value
    if not SECRET_ARN_PATTERN.match(value) or not 50 <= len(value) <= 612:
        fail(
            path,
            f"{value!r} is not a Secrets Manager ARN of a secret named 'ecr-pullthroughcache/...'",
            "give the complete ARN, e.g. arn:aws:secretsmanager:eu-west-1:123456789012:"
            "secret:ecr-pullthroughcache/docker-hub-AbCdEf",
        )
    if not SECRET_ARN_SUFFIX.search(value) or not SECRET_ARN_COMPLETE.search(value):
        fail(
            path,
            f"{value!r} lacks the 6-character suffix Secrets Manager adds to secret ARNs "
            "(the complete ARN ends in '<name>-' and six random characters)",
            "copy the complete ARN from 'aws secretsmanager describe-secret', or use secretName instead",
        )
    if SECRET_ARN_WORD_SUFFIX.search(value):
        fail(
            path,
            f"{value!r} ends in '{value.rsplit('-', 1)[1]}', which reads as the end of the secret's name, "
            "not the 6-character random suffix: this looks like a partial ARN",
            "use secretName (its complete ARN is read at deploy time), or copy the complete ARN from "
            "'aws secretsmanager describe-secret'",
        )
    return value


def secret_arn_location_problem(arn: str, region: Optional[str], account: Optional[str]) -> Optional[str]:
    """Why a literal secret ARN cannot serve a rule in ``region``/``account`` (None: not known), or None.

    ECR reads a rule's secret in the rule's own account and Region only (ECR user guide, "Storing your
    upstream repository credentials in an AWS Secrets Manager secret")."""
    if is_token(arn):
        return None
    arn_region, arn_account = region_of_arn(arn)
    if region and arn_region != region:
        return f"the secret is in {arn_region}, the rule in {region}: ECR reads secrets of the rule's own Region"
    if account and arn_account != account:
        return (
            f"the secret belongs to account {arn_account}, the rule to {account}: ECR reads secrets of the "
            "rule's own account"
        )
    return None
