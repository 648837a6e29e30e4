"""Permissions boundary, role path and tags on everything a stack creates, the CDK's own roles included.

Roles that the CDK makes inside its own constructs (the ``AwsCustomResource`` provider, the Provider
framework's functions) take no props from us, so these are Aspects visiting every role of the scope.
"""

from __future__ import annotations

from typing import Mapping

import jsii
from aws_cdk import CfnResource, IAspect, Stack, Tags
from aws_cdk import aws_iam as iam

from constructs import IConstruct
from ecr_ptc.governance.settings import RoleGovernance

# Roles whose ARN goes where no path is allowed: the creation templates' CustomRoleArn
# (AWS::ECR::RepositoryCreationTemplate: ^arn:aws[-a-z0-9]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,-.@_]*$).
PATHLESS_ROLE_IDS = frozenset({"TemplateRole"})


@jsii.implements(IAspect)
class _RolePath:
    """Sets ``Path`` on every ``AWS::IAM::Role`` (L1 roles and the core custom resource providers' roles)."""

    def __init__(self, path: str) -> None:
        self.path = path

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, iam.CfnRole):
            parent = node.node.scope
            if parent is None or parent.node.id not in PATHLESS_ROLE_IDS:
                node.path = self.path
        elif isinstance(node, CfnResource) and node.cfn_resource_type == "AWS::IAM::Role":
            node.add_property_override("Path", self.path)


def apply_role_governance(stack: Stack, settings: RoleGovernance) -> None:
    """Every IAM role in ``stack`` gets the boundary and path of ``settings``.

    :param stack: the stack (every role in it, created before or after this call).
    :param settings: the boundary and path.
    """
    from aws_cdk import Aspects

    if settings.permissions_boundary:
        boundary = settings.permissions_boundary
        policy = (
            iam.ManagedPolicy.from_managed_policy_arn(stack, "PermissionsBoundary", boundary)
            if boundary.startswith("arn:")
            else iam.ManagedPolicy.from_managed_policy_name(stack, "PermissionsBoundary", boundary)
        )
        iam.PermissionsBoundary.of(stack).apply(policy)
    if settings.role_path:
        Aspects.of(stack).add(_RolePath(settings.role_path))


def apply_resource_tags(stack: Stack, tags: Mapping[str, str]) -> None:
    """``tags`` on every taggable resource of ``stack`` and on the stack itself (CloudFormation
    propagates stack tags to the resources that support them).

    The stack's own tags are set on the stack: under the feature flag ``@aws-cdk/core:explicitStackTags``
    (cdk.json sets it) ``Tags.of(stack)`` tags the resources only ("Stack tags should be configured on
    Stacks directly", the CDK's ``Tags.add``)."""
    for key, value in tags.items():
        Tags.of(stack).add(key, value)
        stack.tags.set_tag(key, value)


__all__ = ["apply_resource_tags", "apply_role_governance"]
