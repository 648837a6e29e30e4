"""CachePurge: delete the repositories under the cache's prefixes, images included, when the stack is deleted.

Made by ``PullThroughCache`` when ``repositories.delete_on_stack_delete`` is true. One function (the warmer's
code asset, ``ecr_ptc_runtime.handler.purge_on_stack_delete_handler`` over ``purge.on_stack_delete``, which answers CloudFormation itself), its role (list
and delete under the prefixes only), its log group, and one ``Custom::EcrPtcPurge`` resource that does
nothing on create and update.
"""

from __future__ import annotations

from typing import Sequence

from aws_cdk import CustomResource, Duration, Stack
from aws_cdk import aws_iam as iam

from constructs import Construct
from ecr_ptc.cache.grants import ArnParts
from ecr_ptc.functions import role_and_log_group, runtime_code, runtime_function
from ecr_ptc.nag import acknowledge, printed, wildcard_finding
from ecr_ptc_runtime.images import repository_pattern

RESOURCE_TYPE = "Custom::EcrPtcPurge"
PURGE_ACTIONS = ("ecr:DescribeRepositories", "ecr:DescribeImages", "ecr:DeleteRepository")
# Lambda's longest run (15 minutes, Lambda quotas): a purge that needs longer fails the stack delete with its
# reason, and `ecr-ptc purge --yes` finishes it.
TIMEOUT = Duration.minutes(15)


class CachePurge(Construct):
    """The stack-delete purge of the repositories under ``prefixes`` (never ``ROOT``: refused before).

    :param where: the registry's partition, Region and account.
    :param prefixes: the cache rules' prefixes.
    """

    def __init__(self, scope: Construct, id: str, *, where: ArnParts, prefixes: Sequence[str]) -> None:
        super().__init__(scope, id)
        arns = [where.repository_arn(repository_pattern(p)) for p in prefixes]
        description = "ecr-ptc: deletes the cache's repositories when the stack is deleted"
        self.role, self.log_group = role_and_log_group(self, description)
        # Listing (DescribeRepositories without names) reads the registry's repositories: every repository of
        # this registry, read only; the function keeps the names under the prefixes and deletes only those
        # (DeleteRepository and DescribeImages are scoped to them).
        every = where.repository_arn("*")
        self.role.add_to_principal_policy(iam.PolicyStatement(actions=["ecr:DescribeRepositories"], resources=[every]))
        self.role.add_to_principal_policy(
            iam.PolicyStatement(actions=["ecr:DescribeImages", "ecr:DeleteRepository"], resources=arns)
        )
        # A Delete request also comes when the resource leaves a stack that stays: the function purges only when
        # its own stack is being deleted (DELETE_IN_PROGRESS).
        self.role.add_to_principal_policy(
            iam.PolicyStatement(actions=["cloudformation:DescribeStacks"], resources=[Stack.of(self).stack_id])
        )
        self.function = runtime_function(
            self,
            "Function",
            entry_point="purge_on_stack_delete_handler",
            code=runtime_code(self),  # the warmer's asset: the same folder, one asset
            role=self.role,
            log_group=self.log_group,
            timeout=TIMEOUT,
            memory_size=256,
            description=description,
        )
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.function.function_arn,
            resource_type=RESOURCE_TYPE,
            properties={"Prefixes": list(prefixes)},
        )
        self.resource.node.add_dependency(self.role)  # the role's policies outlive the delete call
        acknowledge(
            self.role,
            wildcard_finding(printed(Stack.of(self), every)),
            "listing the registry's repositories (ecr:DescribeRepositories, read only) is how the cache's are "
            "found; the function deletes only names under the cache's prefixes",
        )
        for arn in arns:
            acknowledge(
                self.role,
                wildcard_finding(printed(Stack.of(self), arn)),
                "the cache creates repositories under its prefixes on first pull; their names are not known "
                "in advance, and the purge deletes exactly those",
            )


__all__ = ["CachePurge", "PURGE_ACTIONS", "RESOURCE_TYPE"]
