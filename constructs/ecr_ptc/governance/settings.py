"""Settings for every IAM role a stack creates: a permissions boundary and a path (no CDK imports)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

from ecr_ptc import validation as v
from ecr_ptc.errors import ValidationError

# IAM: a managed policy name is 1-128 of [\w+=,.@-]; a path is '/' or '/.../' of printable ASCII, at most 512.
POLICY_NAME_PATTERN = re.compile(r"^[\w+=,.@-]{1,128}$")
POLICY_ARN_PATTERN = re.compile(r"^arn:aws(-[a-z]+)*:iam::(\d{12}|aws):policy/([\x21-\x7e]*/)?[\w+=,.@-]{1,128}$")
ROLE_PATH_PATTERN = re.compile(r"^/$|^/[\x21-\x7e]+/$")
ROLE_NAME_PATTERN = re.compile(r"^[\w+=,.@-]{1,64}$")


def check_permissions_boundary(value: Any, path: str) -> str:
    """A customer or AWS managed policy: its name (in the stack's account) or its ARN."""
    v.check_type(value, str, path, "a managed policy name or ARN")
    if value.startswith("arn:"):
        if not POLICY_ARN_PATTERN.match(value):
            v.fail(
                path,
                f"{value!r} is not an IAM managed policy ARN",
                "give an ARN like arn:aws:iam::123456789012:policy/PlatformBoundary, or the policy's name",
            )
    elif not POLICY_NAME_PATTERN.match(value):
        v.fail(path, f"{value!r} is not an IAM policy name", "use 1-128 letters, digits and +=,.@_-")
    return value


def check_role_path(value: Any, path: str) -> str:
    v.check_type(value, str, path, "an IAM path such as /platform/")
    if len(value) > 512 or not ROLE_PATH_PATTERN.match(value):
        v.fail(
            path,
            f"{value!r} is not an IAM path",
            "start and end it with '/', e.g. /platform/ecr-ptc/ (printable ASCII, at most 512 characters)",
        )
    return value


def check_role_name(value: Any, path: str) -> str:
    v.check_type(value, str, path, "an IAM role name")
    if not ROLE_NAME_PATTERN.match(value):
        v.fail(
            path,
            f"{value!r} is not an IAM role name",
            "give the role's name (1-64 letters, digits and +=,.@_-), not its ARN or path",
        )
    return value


@dataclass(frozen=True)
class RoleGovernance:
    """What every IAM role the stacks create gets, the CDK's own (custom resource providers) included.

    :param permissions_boundary: a managed policy's name (in the stack's account) or ARN (default: none).
    :param role_path: the roles' IAM path, e.g. ``/platform/`` (default: ``/``). Changing it replaces the roles.
        The creation templates' role keeps ``/``: ECR's template ``CustomRoleArn`` allows no path.
    :param template_role_arn: an existing role for the repository creation templates, used instead of
        the one the cache creates for KMS keys or tags (default: none, the cache creates one when needed).
    """

    permissions_boundary: Optional[str] = None
    role_path: Optional[str] = None
    template_role_arn: Optional[str] = None

    def __post_init__(self) -> None:
        if self.permissions_boundary is not None:
            check_permissions_boundary(self.permissions_boundary, "permissions_boundary")
        if self.role_path is not None:
            check_role_path(self.role_path, "role_path")
        if self.template_role_arn is not None:
            v.check_template_role_arn(self.template_role_arn, "template_role_arn")
        if not (self.permissions_boundary or self.role_path or self.template_role_arn):
            raise ValidationError(
                "",
                "iam sets nothing",
                "pass permissions_boundary, role_path or template_role_arn",
                "give permissionsBoundary, rolePath or templateRoleArn, or remove iam",
            )


def check_resource_tags(value: Any, path: str) -> dict[str, str]:
    """Tags for every resource the stacks create: CloudFormation stack tags (at most 50, no 'aws:' keys)."""
    tags = v.check_tags(value, path)
    for key, val in tags.items():
        if not val:  # AWS::StepFunctions::StateMachine (the warmer's waiter) refuses empty values: minimum 1
            v.fail(
                f"{path}.{key}", "an empty tag value is refused by some resources", "give a value of 1-256 characters"
            )
    return tags


__all__ = ["RoleGovernance", "check_permissions_boundary", "check_resource_tags", "check_role_name", "check_role_path"]
