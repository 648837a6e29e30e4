"""What both workstation kinds share: props checks, the role, outputs, SDK-call custom resources."""

from __future__ import annotations

from typing import ClassVar, Sequence

from aws_cdk import Acknowledgment, Stack, Token, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import custom_resources as cr

from constructs import Construct
from ecr_ptc.errors import ValidationError
from ecr_ptc.nag import acknowledge_sdk_call_provider
from ecr_ptc.workstation.role import WorkstationRole
from ecr_ptc.workstation.settings import WorkstationKind, WorkstationSettings
from ecr_ptc.workstation.smoke_test import check_images


class WorkstationBase(Construct):
    """Base of :class:`Cloud9Workstation` and :class:`Ec2Workstation`.

    :param settings: the checked ``workstation`` settings; ``settings.kind`` must match the class.
    :param consumer_policy: the cache's customer-managed policy granting pulls through the
        cache, first pulls included (``ecr:GetAuthorizationToken`` among them).
    :param registry_uri: ``<account>.dkr.ecr.<region>.amazonaws.com`` (may hold tokens).
    :param smoke_test_images: full image URIs to pull, one per cache rule, by tag.
    :param cache_prefixes: the cache rules' ECR repository prefixes; describe permissions
        are scoped to ``repository/<prefix>/*``.

    Attributes: ``role`` (:class:`WorkstationRole`: ``role.role``, ``role.instance_profile``),
    ``instance_id``, ``outputs`` (output name -> (value, description)).
    """

    kind: ClassVar[WorkstationKind]

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: WorkstationSettings,
        consumer_policy: iam.IManagedPolicy,
        registry_uri: str,
        smoke_test_images: Sequence[str],
        cache_prefixes: Sequence[str],
    ) -> None:
        if settings.kind != self.kind:
            raise ValidationError(
                "kind",
                f"{type(self).__name__} builds kind {self.kind.value}, not {settings.kind.value}",
                "use the class for that kind",
            )
        if not cache_prefixes:
            raise ValidationError(
                "cache_prefixes", "no cache prefixes given", "pass the ECR repository prefix of each cache rule"
            )
        check_images(smoke_test_images, registry_uri, cache_prefixes)
        region = Stack.of(scope).region
        if not Token.is_unresolved(region):
            settings.check_region(region)
        super().__init__(scope, construct_id)
        self.settings = settings
        self.role = WorkstationRole(self, "Role", consumer_policy=consumer_policy, cache_prefixes=cache_prefixes)
        self.instance_id: str = ""
        self.outputs: dict[str, tuple[str, str]] = {}
        self._build(registry_uri, list(smoke_test_images))

    def _build(self, registry_uri: str, smoke_test_images: list[str]) -> None:
        """Create the kind's resources; set ``instance_id`` and ``outputs``."""
        raise NotImplementedError

    def sdk_call(
        self,
        construct_id: str,
        action: str,
        parameters: dict,
        output_paths: list[str],
        statements: list[iam.PolicyStatement],
    ) -> cr.AwsCustomResource:
        """An EC2 SDK call made on create and update; only ``output_paths`` are kept from the answer,
        the first (a string) is the physical id."""
        call = cr.AwsSdkCall(
            service="EC2",
            action=action,
            parameters=parameters,
            physical_resource_id=cr.PhysicalResourceId.from_response(output_paths[0]),
            output_paths=output_paths,
        )
        resource = cr.AwsCustomResource(
            self,
            construct_id,
            on_create=call,
            on_update=call,
            policy=cr.AwsCustomResourcePolicy.from_statements(statements),
            install_latest_aws_sdk=False,
        )
        if any(resources == ["*"] for resources in (s.resources for s in statements)):
            Validations.of(resource).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-IAM5[Resource::*]",
                    reason=f"ec2 Describe* actions (here for {action}) support no resource-level permissions",
                )
            )
        acknowledge_sdk_call_provider(Stack.of(self))
        return resource
