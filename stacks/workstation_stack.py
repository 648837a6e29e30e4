"""The workstation in a stack of its own, so it can come and go without touching the cache."""

from __future__ import annotations

from typing import Any, Sequence

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_iam as iam

from constructs import Construct
from ecr_ptc.workstation.kinds import WORKSTATION_KINDS
from ecr_ptc.workstation.settings import WorkstationSettings


class WorkstationStack(Stack):
    """Builds the workstation that ``settings.kind`` names and outputs how to open and test it.

    The composition code names it ``<cache-stack-name>-workstation`` and makes it depend
    on the cache stack (the consumer policy and the cache rules must exist first).
    """

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
        **stack_kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **stack_kwargs)
        self.workstation = WORKSTATION_KINDS[settings.kind](
            self,
            "Workstation",
            settings=settings,
            consumer_policy=consumer_policy,
            registry_uri=registry_uri,
            smoke_test_images=list(smoke_test_images),
            cache_prefixes=list(cache_prefixes),
        )
        for name, (value, description) in self.workstation.outputs.items():
            CfnOutput(self, name, value=value, description=description)
