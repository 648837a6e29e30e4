"""The workstation's IAM role and instance profile: what the walkthrough needs, nothing more."""

from __future__ import annotations

from typing import Sequence

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_iam as iam

from constructs import Construct
from ecr_ptc.nag import printed, wildcard_finding

SSM_CORE_POLICY = "AmazonSSMManagedInstanceCore"


def repository_arn(scope: Construct, prefix: str) -> str:
    """ARN pattern of the repositories a cache rule creates (``ROOT`` covers them all)."""
    name = "*" if prefix == "ROOT" else prefix.rstrip("/") + "/*"
    return Stack.of(scope).format_arn(service="ecr", resource="repository", resource_name=name)


class WorkstationRole(Construct):
    """Role + instance profile for the workstation.

    Grants: the cache's consumer policy (pulls, including first pulls), reading the
    cache rules and the cached images, and Session Manager access. Nothing else.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, consumer_policy: iam.IManagedPolicy, cache_prefixes: Sequence[str]
    ) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            description="ecr-ptc workstation: pulls through the cache and reads its rules and images",
            managed_policies=[consumer_policy, iam.ManagedPolicy.from_aws_managed_policy_name(SSM_CORE_POLICY)],
        )
        repositories = [repository_arn(self, prefix) for prefix in cache_prefixes]
        read_cache = iam.Policy(
            self,
            "ReadCache",
            statements=[
                # DescribePullThroughCacheRules has no resource-level permissions: "*" is the only choice.
                iam.PolicyStatement(actions=["ecr:DescribePullThroughCacheRules"], resources=["*"]),
                iam.PolicyStatement(actions=["ecr:DescribeImages", "ecr:DescribeRepositories"], resources=repositories),
            ],
        )
        self.role.attach_inline_policy(read_cache)
        self.instance_profile = iam.InstanceProfile(self, "InstanceProfile", role=self.role)

        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{SSM_CORE_POLICY}]",
                reason="Session Manager is how the workstation is reached (no SSH, no inbound rules); "
                "AWS keeps this managed policy in step with the SSM agent",
            )
        )
        Validations.of(read_cache).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="ecr:DescribePullThroughCacheRules supports no resource-level permissions; it is the only action on *",
            ),
            *[
                Acknowledgment(
                    id=wildcard_finding(printed(self, arn)),
                    reason="cache repositories are created on first pull under the rule's prefix; the wildcard is "
                    "that prefix and only read actions (DescribeImages, DescribeRepositories) use it",
                )
                for arn in repositories
            ],
        )
