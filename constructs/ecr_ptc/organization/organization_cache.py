"""OrganizationCache: a hub cache shared with every account of an organization through a StackSet of spokes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Optional

import jsii
from aws_cdk import Stack, Stage, Token
from aws_cdk import aws_iam as iam

from constructs import Construct, IValidation
from ecr_ptc.cache.policy import ArnParts
from ecr_ptc.cache.pull_through_cache import PullThroughCache
from ecr_ptc.errors import ValidationError
from ecr_ptc.organization.policy import spoke_read_statement
from ecr_ptc.organization.settings import MAX_REGISTRY_POLICY_CHARACTERS, OrganizationSettings, miss_prefixes
from ecr_ptc.organization.spoke import SpokeStack
from ecr_ptc.organization.stack_set import SpokeStackSet

if TYPE_CHECKING:
    from ecr_ptc.monitoring.cache_monitoring import CacheMonitoring
    from ecr_ptc.organization.miss_fill import HubMissFill


@jsii.implements(IValidation)
class _RegistryPolicySize:
    """At synth: the hub's registry policy, spokes' statement included, fits ECR's limit."""

    def __init__(self, stack: Stack, document: iam.PolicyDocument) -> None:
        self.stack = stack
        self.document = document

    def validate(self) -> list[str]:
        text = json.dumps(self.stack.resolve(self.document), separators=(",", ":"))
        if len(text) <= MAX_REGISTRY_POLICY_CHARACTERS:
            return []
        return [
            f"the hub's registry policy is {len(text)} characters, ECR takes {MAX_REGISTRY_POLICY_CHARACTERS}: "
            "each cache prefix is listed in its statements (the organization's, the spokes', access.principals'). "
            "Fix: fewer or shorter prefixes, or fewer access principals (the organization already covers its accounts)"
        ]


class OrganizationCache(Construct):
    """Share a hub :class:`~ecr_ptc.PullThroughCache` with every account and Region of organizational units.

    Put it in the stack that holds the StackSet (the management account, or a delegated StackSets
    administrator, in ``settings.stack_set``). It:

    * lets the spokes read the hub: the hub cache must be built with
      ``access=AccessSettings(organization_id=settings.organization_id)`` (its registry policy lets the
      organization fill the cache prefixes, its creation templates let it pull); this adds the read
      actions an ECR-to-ECR rule asks of its upstream to that registry policy
      (:func:`~ecr_ptc.organization.policy.spoke_read_statement`; the hub registry needs ECR's V2
      registry policy scope, the default);
    * builds the spoke (:class:`~ecr_ptc.organization.spoke.SpokeStack`) in a Stage of its own next to
      this stack's, so ``cdk deploy --all`` leaves it alone and cdk-nag still checks it;
    * creates the StackSet (:class:`~ecr_ptc.organization.stack_set.SpokeStackSet`) and makes this
      stack depend on the hub's, so the hub's policies exist before any spoke reads through it;
    * with ``settings.fill_on_miss``, builds the miss bus and the fill function in the hub's stack
      (:class:`~ecr_ptc.organization.miss_fill.HubMissFill`, id ``<this id>MissFill``).

    :param hub: the hub cache (a ``PullThroughCache`` of this app, in the stack of ``settings.hub``).
    :param settings: the organization settings.
    :param spoke_stage_id: the id of the spoke's Stage, next to the StackSet's stack (default:
        ``<stack id>-<this id>-Spoke``).
    :param monitoring: the hub cache's monitoring (default: none): miss fills that fail notify its topic and
        its dashboard shows the fills.
    :raises ValidationError: for a hub that is not a ``PullThroughCache``, lacks the organization's
        access, or is in another account or Region than ``settings.hub``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        hub: PullThroughCache,
        settings: OrganizationSettings,
        spoke_stage_id: Optional[str] = None,
        monitoring: "Optional[CacheMonitoring]" = None,
    ) -> None:
        self._check(scope, hub, settings)
        root = Stage.of(Stack.of(scope))
        assert root is not None
        stage_id = spoke_stage_id or f"{Stack.of(scope).node.id}-{id}-Spoke"
        if root.node.try_find_child(stage_id) is not None:
            raise ValidationError(
                "spoke_stage_id",
                f"{stage_id!r} is already a construct next to the StackSet's stack",
                "pass another spoke_stage_id",
            )
        super().__init__(scope, id)
        self.settings = settings
        self.hub = hub
        self._grant_spokes(hub)
        self.miss_fill: "Optional[HubMissFill]" = None
        if miss_prefixes(hub.rules, settings):  # fillOnMiss, and some prefix the spokes pull through the hub
            from ecr_ptc.organization.miss_fill import HubMissFill  # Lambda, DynamoDB, EventBridge: when used

            self.miss_fill = HubMissFill(
                Stack.of(hub), f"{id}MissFill", cache=hub, settings=settings, monitoring=monitoring
            )
        self.spoke_stage = Stage(root, stage_id)
        self.spoke = SpokeStack(
            self.spoke_stage,
            "Template",
            hub_rules=hub.rules,
            repositories=hub.repositories,
            prefix_repositories=getattr(hub, "prefix_repositories", None),
            settings=settings,
            description="ecr-ptc spoke: pull-through cache rules through the hub (deployed by a StackSet)",
        )
        self.stack_set = SpokeStackSet(self, "Spokes", spoke=self.spoke, settings=settings)
        Stack.of(self).add_stack_dependency(
            Stack.of(hub), "spokes pull through the hub: its registry policy must exist first"
        )

    @staticmethod
    def _check(scope: Construct, hub: PullThroughCache, settings: OrganizationSettings) -> None:
        if not isinstance(settings, OrganizationSettings):
            raise ValidationError("settings", f"expected OrganizationSettings, got {settings!r}", "pass settings=...")
        if not isinstance(hub, PullThroughCache):
            raise ValidationError(
                "hub",
                f"expected the hub's PullThroughCache, got {hub!r}",
                "pass the PullThroughCache built in the hub's stack (an imported cache cannot be given the "
                "organization's grants)",
            )
        assert settings.hub is not None
        if hub.access is None or hub.access.organization_id != settings.organization_id:
            raise ValidationError(
                "hub",
                f"the hub cache does not let the organization {settings.organization_id} pull through it",
                f"build it with access=AccessSettings(organization_id={settings.organization_id!r})",
            )
        assert settings.stack_set is not None
        for what, stack, where in (
            ("the hub cache's stack", Stack.of(hub), settings.hub),
            ("the StackSet's stack", Stack.of(scope), settings.stack_set),
        ):
            for attribute in ("account", "region"):
                actual, expected = getattr(stack, attribute), getattr(where, attribute)
                if Token.is_unresolved(actual) or actual != expected:
                    raise ValidationError(
                        "hub" if where is settings.hub else "scope",
                        f"{what} is in {attribute} {actual}, the settings name {expected}",
                        f"build it in a stack with env {attribute}={expected!r}",
                    )

    def _grant_spokes(self, hub: PullThroughCache) -> None:
        """Add the spokes' read statement to the hub cache's registry policy (the cache builds that
        policy from its ``access``; the statement is added to the same document, nothing is rebuilt)."""
        stack = Stack.of(hub)
        assert self.settings.hub is not None and self.settings.organization_id is not None
        document = hub.registry_policy.policy_text if hub.registry_policy is not None else None
        if not isinstance(document, iam.PolicyDocument):
            raise ValidationError(
                "hub",
                "the hub cache has no registry policy document to add the spokes' grants to",
                "build the hub cache with access=AccessSettings(organization_id=...)",
            )
        where = ArnParts(stack.partition, self.settings.hub.region, self.settings.hub.account)
        document.add_statements(spoke_read_statement(where, hub.rules, self.settings.organization_id))
        self.node.add_validation(_RegistryPolicySize(stack, document))


__all__ = ["OrganizationCache"]
