"""The spoke: what the StackSet puts in every target account and Region.

An ordinary CDK stack with no assets, no Lambda function and no bootstrap reference (it is synthesized
with the ``BootstraplessSynthesizer``, which refuses assets), environment-agnostic (StackSets deploys the
same template everywhere).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Optional, Sequence

from aws_cdk import Aws, BootstraplessSynthesizer, CfnCondition, CfnResource, Fn, Stack, Token
from aws_cdk import aws_cloudformation as cfn
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam

from constructs import Construct
from ecr_ptc.cache.grants import import_arns
from ecr_ptc.cache.policy import TEMPLATE_KMS_ACTIONS, ArnParts, template_role_document
from ecr_ptc.cache.pull_through_cache import AUTH_TOKEN_REASON, PullThroughCache
from ecr_ptc.cache.rules import Auth, UpstreamRule, check_rules
from ecr_ptc.cache.settings import Encryption, RepositorySettings, ScanOnPush
from ecr_ptc.errors import ValidationError
from ecr_ptc.monitoring.events import failure_pattern
from ecr_ptc.nag import acknowledge, printed, wildcard_finding
from ecr_ptc.organization.policy import spoke_role_document
from ecr_ptc.organization.settings import HubLocation, OrganizationSettings, miss_prefixes, spoke_rules

# The consumer policy every spoke account gets, under a name account baselines can attach:
# arn:aws:iam::<account>:policy/ecr-ptc/ecr-ptc-pull-through-<region>. IAM is global and a spoke
# exists once per Region, so the Region is part of the name.
CONSUMER_POLICY_PATH = "/ecr-ptc/"
CONSUMER_POLICY_NAME_PREFIX = "ecr-ptc-pull-through-"
HUB_GUARD_CONDITION_ID = "OutsideHubRegistry"


def spoke_repository_settings(hub: RepositorySettings) -> tuple[RepositorySettings, bool]:
    """The hub's repository settings as a spoke applies them, and whether the spoke's templates use KMS.

    Registry-wide singletons stay with each account (no scanning configuration: a member account's
    scanning is its security baseline's). A customer-managed KMS key belongs to one account and Region,
    so spokes encrypt with KMS under the AWS managed key ``aws/ecr`` instead. Spokes never purge on stack
    delete (``delete_on_stack_delete``): its function would be an asset, and a StackSet template has none."""
    kms = hub.encryption.kms_key_arn is not None
    spoke = dataclasses.replace(
        hub, scan_on_push=ScanOnPush.OFF, encryption=Encryption.aes256(), delete_on_stack_delete=False
    )
    return spoke, kms


class SpokeCache(Construct):
    """A cache whose rules pull through the hub: what every member account and Region gets.

    For each hub rule a rule with the same prefix (an ``ecr`` rule to the hub registry, upstream
    prefix = the hub prefix; or, with ``public_upstreams`` DIRECT, the same public rule), one
    pull-through role trusted by ``pullthroughcache.ecr.amazonaws.com`` reading only the hub's
    prefixes, creation templates with the hub's repository settings, and the consumer policy
    ``/ecr-ptc/ecr-ptc-pull-through-<region>``. With ``settings.fill_on_miss``, an EventBridge rule forwards
    this account's failed pull-through actions under the prefixes it pulls through the hub to the hub's miss
    bus, with a role that may put events on that one bus (no Lambda function here). Nothing is created in the hub's own registry (the
    hub account in the hub Region, where the same prefixes already have the hub's rules): there
    the stack holds only a placeholder.

    :param hub_rules: the hub cache's rules (1 to 50).
    :param repositories: the hub cache's repository settings (default: ECR's defaults).
    :param prefix_repositories: the hub cache's settings for some prefixes' templates (default: none).
    :param settings: the organization settings (the hub's location, ``public_upstreams``).
    :raises ValidationError: for bad rules, or a stack that names an account or Region.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        hub_rules: Sequence[UpstreamRule],
        repositories: Optional[RepositorySettings] = None,
        prefix_repositories: Optional[Mapping[str, RepositorySettings]] = None,
        settings: OrganizationSettings,
    ) -> None:
        stack = Stack.of(scope)
        if not (Token.is_unresolved(stack.account) and Token.is_unresolved(stack.region)):
            raise ValidationError(
                "scope",
                f"the spoke's stack names an environment ({stack.account}/{stack.region})",
                "build the spoke in an environment-agnostic stack: StackSets deploys it to every target "
                "account and Region",
            )
        hub_rules = list(hub_rules)
        check_rules(hub_rules, "hub_rules")
        if not isinstance(settings, OrganizationSettings):
            raise ValidationError("settings", f"expected OrganizationSettings, got {settings!r}", "pass settings=...")
        super().__init__(scope, id)
        assert settings.hub is not None
        self.hub: HubLocation = settings.hub
        rules = spoke_rules(hub_rules, settings)
        via_hub = [r for r in rules if r.info.auth is Auth.ROLE]

        self.role: Optional[iam.Role] = self._role(stack, via_hub) if via_hub else None
        if self.role is not None:
            rules = [dataclasses.replace(r, role_arn=self.role.role_arn) if r in via_hub else r for r in rules]
        spoke_settings, kms = spoke_repository_settings(repositories or RepositorySettings())
        kms_prefixes = {r.prefix for r in rules} if kms else set()
        extra: dict[str, Any] = {}
        if prefix_repositories:  # a rule's own template settings, where the hub cache has them
            own = {prefix: spoke_repository_settings(s) for prefix, s in prefix_repositories.items()}
            extra["prefix_repositories"] = {prefix: s for prefix, (s, _) in own.items()}
            kms_prefixes = (kms_prefixes - set(own)) | {prefix for prefix, (_, k) in own.items() if k}
        # Rules as AWS::ECR::PullThroughCacheRule whatever the context says: the spoke stays asset- and Lambda-free
        # (a StackSet template); plan refuses the changes that would replace a rule there, with steps.
        self.cache = PullThroughCache(
            self, "Cache", rules=rules, repositories=spoke_settings, rule_resources="cloudformation", **extra
        )
        for prefix in kms_prefixes:
            # KMS without a key: ECR's AWS managed key aws/ecr of the spoke's own account and Region.
            self.cache.templates[
                prefix
            ].encryption_configuration = ecr.CfnRepositoryCreationTemplate.EncryptionConfigurationProperty(
                encryption_type="KMS"
            )
        if kms_prefixes:
            self._kms_template_role(stack, rules, sorted(kms_prefixes))
        policy = self.cache.consumer_policy.node.default_child
        assert isinstance(policy, iam.CfnManagedPolicy)
        policy.managed_policy_name = Fn.join("", [CONSUMER_POLICY_NAME_PREFIX, Aws.REGION])
        policy.path = CONSUMER_POLICY_PATH
        self.consumer_policy_arn: str = self.cache.consumer_policy.managed_policy_arn
        forwarded = miss_prefixes(hub_rules, settings)
        self.miss_forwarding: Optional[events.CfnRule] = (
            self._forward_misses(stack, settings, forwarded) if forwarded else None
        )

        # In the hub registry the spoke's prefixes are the hub's own rules: leave everything out there.
        self.condition = CfnCondition(
            self,
            HUB_GUARD_CONDITION_ID,
            expression=Fn.condition_not(
                Fn.condition_and(
                    Fn.condition_equals(Aws.ACCOUNT_ID, self.hub.account),
                    Fn.condition_equals(Aws.REGION, self.hub.region),
                )
            ),
        )
        for child in self.node.find_all():
            if isinstance(child, CfnResource):
                child.cfn_options.condition = self.condition
        # CloudFormation creates no stack without resources: in the hub registry this is the one it has.
        cfn.CfnWaitConditionHandle(self, "HubRegistryPlaceholder")

    def _kms_template_role(self, stack: Stack, rules: list[UpstreamRule], prefixes: list[str]) -> None:
        """Templates that encrypt with KMS need a custom role ECR creates the repositories with (ECR user guide,
        "Creating a repository creation template": KMS keys or resource tags need a custom policy and role) that may
        use the key: ``kms:CreateGrant``, ``kms:RetireGrant``, ``kms:DescribeKey``, through ECR only
        (``kms:ViaService``). The AWS managed key's id differs in every account, so the resource is this account's
        and Region's keys. The cache's template role gets the statement when it has one (tags), else one is made."""
        where = ArnParts(stack.partition, stack.region, stack.account)
        statement = iam.PolicyStatement(
            sid="UseAwsManagedEcrKey",
            actions=list(TEMPLATE_KMS_ACTIONS),
            resources=[f"arn:{stack.partition}:kms:{stack.region}:{stack.account}:key/*"],
            conditions={"StringEquals": {"kms:ViaService": f"ecr.{stack.region}.{stack.url_suffix}"}},
        )
        role = self.cache.template_role
        if role is None:
            role = iam.Role(
                self,
                "TemplateRole",
                assumed_by=iam.ServicePrincipal("ecr.amazonaws.com"),
                description="ECR creates the spoke's repositories encrypted with the AWS managed key aws/ecr",
                inline_policies={"RepositoryCreation": template_role_document(where, rules, None)},
            )
            for arn in import_arns(where, rules):  # what the document names: prefixes, or the allow lists' patterns
                if "*" in arn:
                    acknowledge(
                        role,
                        wildcard_finding(printed(self, arn)),
                        "ECR creates repositories under the cache prefixes (within their allow lists) on first pull; "
                        "their names are not known",
                    )
            for prefix in prefixes:
                self.cache.templates[prefix].custom_role_arn = role.role_arn
        role.add_to_policy(statement)
        acknowledge(
            role,
            wildcard_finding(printed(self, statement.resources[0])),
            "the AWS managed key aws/ecr has another id in every account and Region; kms:ViaService keeps its use "
            "to ECR in this Region",
        )

    def _forward_misses(self, stack: Stack, settings: OrganizationSettings, prefixes: list[str]) -> events.CfnRule:
        """This account's failed pull-through actions under ``prefixes`` -> the hub's miss bus (a cross-account
        event bus target, with a role: EventBridge user guide, "Sending and receiving events between AWS
        accounts"). An L1 rule: nothing here may need an asset."""
        bus_arn = settings.miss_bus_arn(stack.partition)
        self.miss_forwarding_role = iam.Role(
            self,
            "MissForwardingRole",
            assumed_by=iam.ServicePrincipal(
                "events.amazonaws.com", conditions={"StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID}}
            ),
            description=f"EventBridge forwards this account's pull-through misses to the hub {self.hub.account}",
            inline_policies={
                "PutHubMisses": iam.PolicyDocument(
                    statements=[iam.PolicyStatement(actions=["events:PutEvents"], resources=[bus_arn])]
                )
            },
        )
        return events.CfnRule(
            self,
            "MissForwarding",
            description="Failed pull-through actions through the hub: the hub fills the image (ecr-ptc fillOnMiss)",
            event_pattern=failure_pattern(prefixes, account=Aws.ACCOUNT_ID),
            state="ENABLED",
            targets=[
                events.CfnRule.TargetProperty(arn=bus_arn, id="HubMissBus", role_arn=self.miss_forwarding_role.role_arn)
            ],
        )

    def _role(self, stack: Stack, rules: list[UpstreamRule]) -> iam.Role:
        spoke = ArnParts(stack.partition, stack.region, stack.account)
        hub = ArnParts(stack.partition, self.hub.region, self.hub.account)
        role = iam.Role(
            self,
            "PullThroughRole",
            assumed_by=iam.ServicePrincipal("pullthroughcache.ecr.amazonaws.com"),
            description=f"ECR copies images from the hub {self.hub.registry_url} into this registry with this role",
            inline_policies={"PullThroughHub": spoke_role_document(spoke, hub, rules)},
        )
        reason = (
            "ECR copies any image under the hub's prefixes into repositories it creates under the same "
            "prefixes here, which do not exist yet; the wildcard stays inside one prefix"
        )
        document = spoke_role_document(spoke, hub, rules)
        for statement in document.to_json()["Statement"]:
            for resource in _as_list(statement["Resource"]):
                if resource == "*":
                    acknowledge(role, "AwsSolutions-IAM5[Resource::*]", AUTH_TOKEN_REASON)
                else:
                    acknowledge(role, wildcard_finding(printed(self, resource)), reason)
        return role


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class SpokeStack(Stack):
    """The StackSet's template: an environment-agnostic stack holding one :class:`SpokeCache`.

    Synthesized with the ``BootstraplessSynthesizer`` (no assets, no bootstrap version check) and
    without CDK metadata. Put it in a ``Stage`` of its own: ``cdk deploy --all`` deploys the stacks
    of the app's top level only, so the spoke reaches accounts through the StackSet alone.

    :param hub_rules: the hub cache's rules.
    :param repositories: the hub cache's repository settings.
    :param settings: the organization settings.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        hub_rules: Sequence[UpstreamRule],
        repositories: Optional[RepositorySettings] = None,
        prefix_repositories: Optional[Mapping[str, RepositorySettings]] = None,
        settings: OrganizationSettings,
        **kwargs: Any,
    ) -> None:
        for forbidden in ("env", "synthesizer"):
            if forbidden in kwargs:
                raise ValidationError(
                    forbidden,
                    f"a spoke stack takes no {forbidden}",
                    "leave it out: StackSets deploys the spoke everywhere, from a template without assets",
                )
        super().__init__(scope, id, synthesizer=BootstraplessSynthesizer(), analytics_reporting=False, **kwargs)
        self.spoke = SpokeCache(
            self,
            "Spoke",
            hub_rules=hub_rules,
            repositories=repositories,
            prefix_repositories=prefix_repositories,
            settings=settings,
        )


__all__ = [
    "CONSUMER_POLICY_NAME_PREFIX",
    "CONSUMER_POLICY_PATH",
    "HUB_GUARD_CONDITION_ID",
    "SpokeCache",
    "SpokeStack",
    "spoke_repository_settings",
]
