"""What the YAML ``organization`` block says, checked before any construct is built (no CDK imports).

The limits come from the ``AWS::CloudFormation::StackSet`` resource schema and the StackSets API:
``OrganizationalUnitId`` ``^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$``, ``StackSetName``
``^[a-zA-Z][a-zA-Z0-9-]{0,127}$``, ``FailureTolerancePercentage`` 0-100, ``MaxConcurrentPercentage`` up to
100, and at most 50 organizational units per ``CreateStackInstances`` operation (CloudFormation API
reference, CreateStackInstances).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, Sequence

from ecr_ptc import validation as v
from ecr_ptc.cache.grants import ArnParts, policy_length, registry_statements, repository_arns
from ecr_ptc.cache.rules import Auth, UpstreamRule
from ecr_ptc.cache.settings import enum_value
from ecr_ptc.errors import ValidationError

OU_PATTERN = re.compile(r"^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$")
STACK_SET_NAME_PATTERN = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{0,127}$")
# A StackSet's ARN (CloudFormation API reference, StackSet.StackSetARN): arn:<partition>:cloudformation:<region>:
# <account>:stackset/<name>:<id>
STACK_SET_ARN_PATTERN = re.compile(
    r"^arn:aws(-[a-z]+)*:cloudformation:[a-z]{2}(-[a-z]+)+-\d:\d{12}:stackset/[a-zA-Z][a-zA-Z0-9-]{0,127}:[0-9a-f-]+$"
)
MAX_ORGANIZATIONAL_UNITS = 50  # per CreateStackInstances operation (CloudFormation API reference)
DEFAULT_STACK_SET_NAME = "ecr-ptc-spoke"
# Operation preferences: in CloudFormation's default STRICT_FAILURE_TOLERANCE mode a Region runs at
# most failure tolerance + 1 accounts at once, so equal percentages make the configured concurrency
# the one StackSets uses, and a broken spoke stops after about a tenth of a Region's accounts.
DEFAULT_MAX_CONCURRENT_PERCENTAGE = 10
DEFAULT_FAILURE_TOLERANCE_PERCENTAGE = 10
# Miss forwarding: the hub's custom event bus that spokes forward their failed pull-through actions to.
MISS_BUS_NAME = "ecr-ptc-misses"


class CallAs(Enum):
    """Who creates the StackSet: the management account (SELF) or a delegated administrator."""

    SELF = "SELF"
    DELEGATED_ADMIN = "DELEGATED_ADMIN"


class RegionConcurrency(Enum):
    """SEQUENTIAL: one Region after the other (a failing Region stops the rest); PARALLEL: all at once."""

    SEQUENTIAL = "SEQUENTIAL"
    PARALLEL = "PARALLEL"


class PublicUpstreams(Enum):
    """How spokes reach upstreams that need no credentials (ECR Public, registry.k8s.io, Quay).

    HUB: through the hub like every other upstream (one copy in the organization, the hub's warm
    cache reaches every account). DIRECT: a rule of their own to the public registry (no cross-Region
    transfer, and a spoke miss never depends on the hub).
    """

    HUB = "hub"
    DIRECT = "direct"


_REQUIRED: Any = None  # the default of a required field: refused by __post_init__


def _bool(value: Any, path: str, config_fix: str) -> bool:
    if not isinstance(value, bool):  # a YAML 'no' or "false" must not be read as something else
        raise ValidationError(path, f"expected true or false, got {value!r}", "pass True or False", config_fix)
    return value


def _percentage(value: Any, path: str, minimum: int, config_fix: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= 100:
        raise ValidationError(
            path,
            f"{value!r} is not a whole percentage from {minimum} to 100",
            f"pass a whole number from {minimum} to 100",
            config_fix,
        )
    return value


def _required(value: Any, path: str, what: str, fix: str, config_fix: str) -> Any:
    if value is None or value == "":
        raise ValidationError(path, f"{what} is missing", fix, config_fix)
    return value


def _unique(values: tuple[str, ...], path: str, what: str) -> None:
    seen: dict[str, int] = {}
    for index, value in enumerate(values):
        if value in seen:
            raise ValidationError(
                f"{path}[{index}]", f"{what} {value!r} is already listed at [{seen[value]}]", "list each once"
            )
        seen[value] = index


def _strings(value: Any, path: str, what: str, example: str) -> tuple[Any, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)) or not value:
        raise ValidationError(
            path,
            f"expected a non-empty list of {what}, got {value!r}",
            f"pass a list, e.g. [{example!r}]",
            f"write a YAML list, e.g. [{example}]",
        )
    return tuple(value)


@dataclass(frozen=True)
class HubLocation:
    """The hub: the account and Region whose cache holds the credentials, the upstream rules and the warm cache.

    :param account: 12-digit account id (required).
    :param region: a Region with pull-through cache (required).
    :raises ValidationError: for a missing or malformed account or Region.
    """

    account: str = ""
    region: str = ""

    def __post_init__(self) -> None:
        _required(
            self.account, "account", "the hub account", "pass account='111111111111'", "add account: '<12 digits>'"
        )
        _required(self.region, "region", "the hub Region", "pass region='eu-west-1'", "add region, e.g. eu-west-1")
        object.__setattr__(self, "account", v.check_account_id(self.account, "account"))
        v.check_region(self.region, "region")

    @property
    def registry_url(self) -> str:
        """``<account>.dkr.ecr.<region>.amazonaws.com``: the upstream of every spoke rule through the hub."""
        return f"{self.account}.dkr.ecr.{self.region}.amazonaws.com"


@dataclass(frozen=True)
class StackSetLocation:
    """Where the StackSet lives and how it is created.

    :param account: the organization's management account (``call_as`` SELF) or an account registered
        as a delegated administrator for CloudFormation StackSets (``call_as`` DELEGATED_ADMIN). Required.
    :param region: the Region of the StackSet itself (a StackSet is a regional resource; its stack
        instances can be in any Region). Required.
    :param call_as: ``SELF`` (default) or ``DELEGATED_ADMIN``.
    :param name: the StackSet's name, unique in that account and Region (default ``ecr-ptc-spoke``;
        create-only: a new name replaces the StackSet and every stack instance).
    :raises ValidationError: for a missing or malformed value.
    """

    account: str = ""
    region: str = ""
    call_as: CallAs = CallAs.SELF
    name: str = DEFAULT_STACK_SET_NAME

    def __post_init__(self) -> None:
        _required(
            self.account,
            "account",
            "the StackSet account",
            "pass the management account or a delegated StackSets administrator",
            "add account: '<12 digits>' (the management account, or a delegated StackSets administrator)",
        )
        _required(self.region, "region", "the StackSet Region", "pass region='us-east-1'", "add region, e.g. us-east-1")
        object.__setattr__(self, "account", v.check_account_id(self.account, "account"))
        v.check_region(self.region, "region")
        object.__setattr__(self, "call_as", enum_value(CallAs, self.call_as, "call_as"))
        if not isinstance(self.name, str) or not STACK_SET_NAME_PATTERN.match(self.name):
            raise ValidationError(
                "name",
                f"{self.name!r} is not a StackSet name",
                "start with a letter; use letters, digits and '-' only, at most 128 characters",
            )


@dataclass(frozen=True)
class DeploymentTargets:
    """Where the spokes go: every account of these organizational units (nested OUs included), in these Regions.

    :param organizational_units: 1 to 50 OU ids (``ou-...``) or the root (``r-...``). Required.
    :param regions: Regions with pull-through cache, each once. Required.
    :raises ValidationError: for a malformed, repeated or missing value, or more than 50 OUs.
    """

    organizational_units: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        units = _strings(self.organizational_units, "organizational_units", "OU or root ids", "ou-ab12-34567890")
        for index, unit in enumerate(units):
            if not isinstance(unit, str) or not OU_PATTERN.match(unit):
                raise ValidationError(
                    f"organizational_units[{index}]",
                    f"{unit!r} is not an organizational unit or root id",
                    "give an id from 'aws organizations list-organizational-units-for-parent' "
                    "(ou-ab12-34567890) or 'aws organizations list-roots' (r-ab12)",
                )
        if len(units) > MAX_ORGANIZATIONAL_UNITS:
            raise ValidationError(
                "organizational_units",
                f"{len(units)} organizational units given; a StackSets operation takes at most "
                f"{MAX_ORGANIZATIONAL_UNITS}",
                "target a parent OU that contains them (its child OUs are included)",
            )
        _unique(units, "organizational_units", "organizational unit")
        regions = _strings(self.regions, "regions", "Regions", "eu-west-1")
        for index, region in enumerate(regions):
            v.check_region(region, f"regions[{index}]")
        _unique(regions, "regions", "Region")
        object.__setattr__(self, "organizational_units", units)
        object.__setattr__(self, "regions", regions)


@dataclass(frozen=True)
class OrganizationSettings:
    """An organization rollout: the hub, the StackSet and its targets, and how the rollout proceeds.

    :param hub: where the hub cache is (required).
    :param stack_set: where the StackSet is and how it is created (required).
    :param organization_id: ``o-...``; the hub lets principals of this organization (``aws:PrincipalOrgID``)
        fill and read its cache prefixes (required).
    :param targets: the OUs and Regions that get a spoke (required).
    :param auto_deploy: accounts that join a target OU get the spoke automatically (default True).
    :param retain_stacks_on_account_removal: keep the spoke stack in an account that leaves the target
        OUs (default False: it is deleted). Only with ``auto_deploy``.
    :param max_concurrent_percentage: at most this share of a Region's accounts at once (1-100, default 10).
    :param failure_tolerance_percentage: stop a Region after this share of its accounts failed (0-100, default 10).
    :param region_concurrency: ``SEQUENTIAL`` (default, in ``targets.regions`` order) or ``PARALLEL``.
    :param public_upstreams: ``hub`` (default) or ``direct``: see :class:`PublicUpstreams`.
    :param auto_deploy_depends_on: StackSet ARNs whose automatic deployment to a new account must finish
        before this one's (``AutoDeployment.DependsOn``), e.g. the account baseline with the permissions
        boundary; only with ``auto_deploy`` (default: none).
    :param fill_on_miss: miss forwarding (default True): each spoke forwards its failed pull-through actions
        to an event bus in the hub, whose function fills the image in the hub; the spoke's next pull (the
        kubelet's retry) finds it there.
    :raises ValidationError: for a missing part or an out-of-range value.
    """

    # Required: typed as what they hold once built (__post_init__ refuses a missing one).
    hub: HubLocation = _REQUIRED
    stack_set: StackSetLocation = _REQUIRED
    organization_id: str = _REQUIRED
    targets: DeploymentTargets = _REQUIRED
    auto_deploy: bool = True
    retain_stacks_on_account_removal: bool = False
    max_concurrent_percentage: int = DEFAULT_MAX_CONCURRENT_PERCENTAGE
    failure_tolerance_percentage: int = DEFAULT_FAILURE_TOLERANCE_PERCENTAGE
    region_concurrency: RegionConcurrency = RegionConcurrency.SEQUENTIAL
    public_upstreams: PublicUpstreams = PublicUpstreams.HUB
    fill_on_miss: bool = True
    auto_deploy_depends_on: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._check_parts()
        v.check_organization_id(self.organization_id, "organization_id")
        _bool(self.auto_deploy, "auto_deploy", "write autoDeploy: true or false (unquoted)")
        _bool(
            self.retain_stacks_on_account_removal,
            "retain_stacks_on_account_removal",
            "write retainStacksOnAccountRemoval: true or false (unquoted)",
        )
        _bool(self.fill_on_miss, "fill_on_miss", "write fillOnMiss: true or false (unquoted)")
        self._check_depends_on()
        if self.retain_stacks_on_account_removal and not self.auto_deploy:
            raise ValidationError(
                "retain_stacks_on_account_removal",
                "keeping stacks of accounts that leave the OUs only applies to automatic deployments",
                "set auto_deploy=True, or leave retain_stacks_on_account_removal out",
                "set autoDeploy: true, or remove retainStacksOnAccountRemoval",
            )
        _percentage(
            self.max_concurrent_percentage,
            "max_concurrent_percentage",
            1,
            "write maxConcurrentPercentage as a whole number from 1 to 100",
        )
        _percentage(
            self.failure_tolerance_percentage,
            "failure_tolerance_percentage",
            0,
            "write failureTolerancePercentage as a whole number from 0 to 100",
        )
        object.__setattr__(
            self,
            "region_concurrency",
            enum_value(RegionConcurrency, self.region_concurrency, "region_concurrency"),
        )
        object.__setattr__(
            self, "public_upstreams", enum_value(PublicUpstreams, self.public_upstreams, "public_upstreams")
        )

    def _check_depends_on(self) -> None:
        arns = self.auto_deploy_depends_on
        if arns in ((), None):
            object.__setattr__(self, "auto_deploy_depends_on", ())
            return
        arns = _strings(arns, "auto_deploy_depends_on", "StackSet ARNs", "arn:aws:cloudformation:us-east-1:...")
        for index, arn in enumerate(arns):
            if not isinstance(arn, str) or not STACK_SET_ARN_PATTERN.match(arn):
                raise ValidationError(
                    f"auto_deploy_depends_on[{index}]",
                    f"{arn!r} is not a StackSet ARN",
                    "give the StackSetARN of 'aws cloudformation describe-stack-set --stack-set-name <name>' "
                    "(arn:aws:cloudformation:<region>:<account>:stackset/<name>:<id>)",
                )
        _unique(arns, "auto_deploy_depends_on", "StackSet")
        if not self.auto_deploy:
            raise ValidationError(
                "auto_deploy_depends_on",
                "the order of automatic deployments only applies to automatic deployments",
                "set auto_deploy=True, or leave auto_deploy_depends_on out",
                "set autoDeploy: true, or remove autoDeployDependsOn",
            )
        object.__setattr__(self, "auto_deploy_depends_on", arns)

    def _check_parts(self) -> None:
        for name, cls, example in (
            ("hub", HubLocation, "hub: {account: '111111111111', region: eu-west-1}"),
            ("stack_set", StackSetLocation, "stackSet: {account: '222222222222', region: us-east-1}"),
            ("targets", DeploymentTargets, "targets: {organizationalUnits: [ou-ab12-34567890], regions: [eu-west-1]}"),
        ):
            value = getattr(self, name)
            _required(
                value, name, f"the {name.replace('_', ' ')}", f"pass {name}={cls.__name__}(...)", f"add {example}"
            )
            if not isinstance(value, cls):
                raise ValidationError(
                    name, f"expected {cls.__name__}, got {value!r}", f"pass {name}={cls.__name__}(...)"
                )
        _required(
            self.organization_id,
            "organization_id",
            "the organization id",
            "pass organization_id='o-a1b2c3d4e5'",
            "add organizationId: o-... (aws organizations describe-organization)",
        )

    # --- derived values -------------------------------------------------------------------
    def miss_bus_arn(self, partition: str = "aws") -> str:
        """The hub's miss bus (``fill_on_miss``): a fixed name in the hub account and Region."""
        return f"arn:{partition}:events:{self.hub.region}:{self.hub.account}:event-bus/{MISS_BUS_NAME}"

    @property
    def warnings(self) -> list[str]:
        """Settings StackSets accepts but that do not do what they seem to."""
        out = []
        if self.max_concurrent_percentage > self.failure_tolerance_percentage + 1:
            out.append(
                f"maxConcurrentPercentage {self.max_concurrent_percentage} is not reached: in StackSets' default "
                "STRICT_FAILURE_TOLERANCE mode a Region runs at most failure tolerance + 1 accounts at once "
                f"(failureTolerancePercentage {self.failure_tolerance_percentage}); 'ecr-ptc org plan' shows the waves"
            )
        return out

    def stack_set_operation_preferences(self) -> dict[str, Any]:
        """The StackSet's ``OperationPreferences`` (CloudFormation property names)."""
        preferences: dict[str, Any] = {
            "MaxConcurrentPercentage": self.max_concurrent_percentage,
            "FailureTolerancePercentage": self.failure_tolerance_percentage,
            "RegionConcurrencyType": self.region_concurrency.value,
        }
        if self.region_concurrency is RegionConcurrency.SEQUENTIAL:
            assert self.targets is not None
            preferences["RegionOrder"] = list(self.targets.regions)
        return preferences


def spoke_rules(hub_rules: Sequence[UpstreamRule], settings: OrganizationSettings) -> list[UpstreamRule]:
    """The spoke's rules: one per hub rule, with the same prefix, so an image has the same path in every account.

    Through the hub: an ``ecr`` rule to the hub registry whose upstream prefix is the hub rule's prefix
    (``ROOT`` maps 1:1). With ``public_upstreams`` DIRECT, a rule whose upstream needs no credentials
    is copied as it is. The ``ecr`` rules carry no role yet (the spoke construct adds its one role).
    """
    assert settings.hub is not None
    out = []
    for rule in hub_rules:
        if settings.public_upstreams is PublicUpstreams.DIRECT and rule.info.auth is Auth.NONE:
            out.append(rule)
        else:
            upstream_prefix = None if rule.prefix == "ROOT" else rule.prefix
            spoke = UpstreamRule.ecr(settings.hub.registry_url, prefix=rule.prefix, upstream_prefix=upstream_prefix)
            # The hub is the spoke's upstream: it names the allowed repositories as the hub's cache does.
            out.append(spoke.restrict(allow=rule.import_patterns if rule.allow else (), deny=rule.deny_patterns))
    return out


def miss_prefixes(hub_rules: Sequence[UpstreamRule], settings: OrganizationSettings) -> list[str]:
    """The prefixes whose spoke misses are forwarded to the hub (``fill_on_miss``): those the spokes pull
    through the hub (a ``direct`` public rule's misses are the public registry's). Empty: no forwarding, and
    no miss bus in the hub."""
    if not settings.fill_on_miss:
        return []
    return [r.prefix for r in spoke_rules(hub_rules, settings) if r.upstream_url == settings.hub.registry_url]


MAX_REGISTRY_POLICY_CHARACTERS = 10_240  # ECR API reference, PutRegistryPolicy policyText
_READ_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:GetImageCopyStatus", "ecr:DescribeImages"]


def hub_registry_policy_length(
    hub_rules: Sequence[UpstreamRule], settings: OrganizationSettings, principals: Sequence[str] = ()
) -> int:
    """The characters of the hub's registry policy as the stacks write it (compact JSON), without CDK.

    Its statements: ``access.principals``' and the organization's (both fill the cache prefixes), and
    the spokes' read statement; each lists every prefix's repository ARN. Statements the config adds
    itself (``registry``) are not counted: synth checks the whole policy again."""
    assert settings.hub is not None
    hub = ArnParts("aws", settings.hub.region, settings.hub.account)
    statements = registry_statements(hub, hub_rules, principals, settings.organization_id)
    arns = repository_arns(hub, hub_rules)
    org = {"StringEquals": {"aws:PrincipalOrgID": settings.organization_id}}
    statements.append(
        {
            "Action": _READ_ACTIONS,
            "Condition": org,
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Resource": arns[0] if len(arns) == 1 else arns,
            "Sid": "OrganizationSpokesRead",
        }
    )
    return policy_length(statements)


__all__ = [
    "CallAs",
    "DEFAULT_STACK_SET_NAME",
    "DeploymentTargets",
    "HubLocation",
    "MAX_ORGANIZATIONAL_UNITS",
    "MISS_BUS_NAME",
    "OU_PATTERN",
    "OrganizationSettings",
    "PublicUpstreams",
    "RegionConcurrency",
    "StackSetLocation",
    "hub_registry_policy_length",
    "miss_prefixes",
    "spoke_rules",
]
