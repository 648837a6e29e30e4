"""The cache stack: rules, templates, policies and (optionally) the warmer, with outputs."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from aws_cdk import Annotations, CfnOutput, Stack
from aws_cdk import aws_iam as iam

from constructs import Construct
from ecr_ptc.cache.pull_through_cache import PullThroughCache
from ecr_ptc.cache.registry_settings import RegistrySettings
from ecr_ptc.cache.rules import UpstreamRule
from ecr_ptc.cache.settings import AccessSettings, RepositorySettings
from ecr_ptc.monitoring.settings import MonitoringSettings
from ecr_ptc.warming.settings import WarmSettings

from .outputs import OutputIds, digest_outputs_warning, wants_digest_outputs


class CacheStack(Stack):
    """One environment's cache: the :class:`PullThroughCache` (rules, templates, registry and repository
    policies, consumer policy), the consumer policy attached to ``consumer_role_names``, the optional warmer
    (``warm``) and monitoring (``monitoring``), and the outputs the walkthrough reads (registry URI, a pull
    command per rule, the credential commands, the warmed digests when a failure fails the deploy).

    Attributes: ``cache``, ``warmer`` (None without ``warm``), ``monitoring`` (None without ``monitoring``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        rules: Sequence[UpstreamRule],
        repositories: Optional[RepositorySettings] = None,
        access: Optional[AccessSettings] = None,
        warm: Optional[WarmSettings] = None,
        registry: Optional[RegistrySettings] = None,
        template_role_arn: Optional[str] = None,
        prefix_repositories: Optional[Mapping[str, RepositorySettings]] = None,
        consumer_role_names: Sequence[str] = (),
        monitoring: Optional[MonitoringSettings] = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.output_ids = OutputIds()
        self.cache = PullThroughCache(
            self,
            "Cache",
            rules=rules,
            repositories=repositories,
            access=access,
            template_role_arn=template_role_arn,
            prefix_repositories=prefix_repositories,
            registry=registry,
        )
        for name in consumer_role_names:  # existing roles of this account, by name
            self.cache.consumer_policy.attach_to_role(iam.Role.from_role_name(self, f"Consumer{name}", name))
        CfnOutput(
            self,
            "RegistryUri",
            value=self.cache.registry_uri,
            description="Log in with: aws ecr get-login-password | docker login --username AWS "
            "--password-stdin <this value>",
        )
        CfnOutput(
            self,
            "ConsumerPolicyArn",
            value=self.cache.consumer_policy.managed_policy_arn,
            description="Attach to roles that pull through the cache (first pulls included)",
        )
        for rule in self.cache.rules:
            CfnOutput(
                self,
                self.output_ids.of("ExamplePull", rule.prefix),
                value=self.cache.example_pull_command(rule),
                description=f"Pull through the {rule.upstream} rule",
            )
        for prefix, command in self.cache.credential_commands.items():
            CfnOutput(
                self,
                self.output_ids.of("SetCredentials", prefix),
                value=command,
                description=f"Run once to store the real upstream credentials for {prefix}/",
            )
        self.warmer = None
        if warm is not None:
            from ecr_ptc.warming.cache_warmer import (
                CacheWarmer,  # its Lambda/Step Functions modules load only when used
            )

            self.warmer = CacheWarmer(self, "Warmer", cache=self.cache, settings=warm)
            self._digest_outputs(warm)
        self.monitoring = None
        if monitoring is not None:
            from ecr_ptc.monitoring.cache_monitoring import CacheMonitoring  # loads SNS, KMS, DynamoDB...: when used

            self.monitoring = CacheMonitoring(
                self, "Monitoring", cache=self.cache, settings=monitoring, warmer=self.warmer
            )

    def _digest_outputs(self, warm: WarmSettings) -> None:
        if self.warmer is None or not wants_digest_outputs(warm):
            return
        warning = digest_outputs_warning(self.cache.rules, warm)
        if warning:
            Annotations.of(self).add_warning_v2("ecr-ptc:digest-outputs", warning)
            return
        for image in warm.images:
            CfnOutput(
                self,
                self.output_ids.of("Digest", image),
                value=self.warmer.digest(image),
                description=f"Digest of {image} as cached",
            )
