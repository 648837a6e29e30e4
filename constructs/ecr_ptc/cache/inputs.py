"""The ``PullThroughCache``'s inputs, checked before the construct joins the tree, so bad input leaves no
half-built node behind. CDK imports for ``Stack`` and ``Token`` only: nothing here creates a resource."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

from aws_cdk import Stack, Token

from constructs import Construct
from ecr_ptc import validation as v
from ecr_ptc.cache import grants, managed_rules, registry_settings
from ecr_ptc.cache.registry_settings import RegistrySettings
from ecr_ptc.cache.rules import UpstreamRule, check_purge, check_rules
from ecr_ptc.cache.settings import AccessSettings, RepositorySettings, ScanOnPush
from ecr_ptc.errors import ValidationError


@dataclass(frozen=True)
class CheckedInputs:
    """What the construct builds from, once every input passed its checks."""

    rules: list[UpstreamRule]
    prefix_repositories: dict[str, RepositorySettings]
    scanning: Optional[tuple[str, list[dict]]]  # the registry's scan type and rules (None: no scanning)
    key_warning: Optional[str]  # a KMS key of another account (None: none)
    rule_resources: str  # how the rules are deployed (``managed_rules``)


def checked_inputs(
    scope: Construct,
    *,
    rules: Sequence[UpstreamRule],
    repositories: Optional[RepositorySettings],
    access: Optional[AccessSettings],
    template_role_arn: Optional[str],
    prefix_repositories: Optional[Mapping[str, RepositorySettings]],
    registry: Optional[RegistrySettings],
    rule_resources: Optional[str],
) -> CheckedInputs:
    """The ``PullThroughCache``'s inputs checked in order (the first problem raises ``ValidationError``), with
    what the checks worked out: the rules as a list, the per-prefix settings, the registry's scanning and a
    KMS key warning."""
    rules = check_props(rules, repositories, access)
    check_purge(rules, bool(repositories and repositories.delete_on_stack_delete))
    if grants.restricted(rules):
        check_sizes(rules, repositories, prefix_repositories, access, registry)
    stack = Stack.of(scope)
    if not Token.is_unresolved(stack.region):
        v.check_region(stack.region, "env.region")
    per_prefix = check_prefix_settings(rules, repositories, prefix_repositories)
    if registry is not None and not isinstance(registry, RegistrySettings):
        raise ValidationError("registry", f"expected RegistrySettings, got {registry!r}", "pass RegistrySettings(...)")
    scan = (repositories or RepositorySettings()).scan_on_push
    scanning = registry_settings.merged_scanning(
        registry.scanning if registry else None,
        None if scan is ScanOnPush.OFF else scan.value.upper(),
        [rule.repository_pattern for rule in rules],
    )
    key_warnings = [check_key_location(s, stack) for s in (repositories, *per_prefix.values())]
    check_secret_locations(rules, stack)
    if template_role_arn is not None:
        v.check_template_role_arn(template_role_arn, "template_role_arn")
    mode = managed_rules.rule_resources(scope, rule_resources)
    return CheckedInputs(rules, per_prefix, scanning, next((w for w in key_warnings if w), None), mode)


def check_props(rules: Sequence[UpstreamRule], repositories: object, access: object) -> list[UpstreamRule]:
    """The rules as a list, each an ``UpstreamRule`` and checked together; ``repositories`` and
    ``access`` of their types (or left out)."""
    if isinstance(rules, (str, bytes)) or not isinstance(rules, Sequence):
        raise ValidationError(
            "rules",
            f"expected a list of UpstreamRule, got {rules!r}",
            "pass rules=[UpstreamRule.ecr_public(), ...]",
        )
    for index, rule in enumerate(rules):
        if not isinstance(rule, UpstreamRule):
            raise ValidationError(
                f"rules[{index}]",
                f"expected an UpstreamRule, got {rule!r}",
                "build rules with the UpstreamRule factories, e.g. UpstreamRule.quay()",
            )
    check_rules(list(rules))
    if isinstance(repositories, RepositorySettings) and repositories.scan_on_push is not ScanOnPush.OFF:
        v.check_scan_filters([r.prefix for r in rules], "rules")
    if repositories is not None and not isinstance(repositories, RepositorySettings):
        raise ValidationError(
            "repositories",
            f"expected RepositorySettings, got {repositories!r}",
            "pass repositories=RepositorySettings(...) or leave it out",
        )
    if access is not None and not isinstance(access, AccessSettings):
        raise ValidationError(
            "access",
            f"expected AccessSettings, got {access!r}",
            "pass access=AccessSettings(principals=[...]) or leave it out",
        )
    return list(rules)


def check_sizes(
    rules: Sequence[UpstreamRule],
    repositories: Optional[RepositorySettings],
    prefix_repositories: Optional[Mapping[str, RepositorySettings]],
    access: Optional[AccessSettings],
    registry: Optional[RegistrySettings],
) -> None:
    """The allow/deny lists fit the policies that name them (as ``ecr-ptc validate`` checks)."""
    settings = [s for s in (repositories, *(prefix_repositories or {}).values()) if isinstance(s, RepositorySettings)]
    grants.check_policy_sizes(
        rules,
        tagged=any(s.tags for s in settings),
        principals=access.principals if access else (),
        organization_id=access.organization_id if access else None,
        extra_registry_statements=registry.policy_statements if isinstance(registry, RegistrySettings) else (),
    )


def check_prefix_settings(
    rules: Sequence[UpstreamRule],
    repositories: Optional[RepositorySettings],
    prefix_repositories: Optional[Mapping[str, RepositorySettings]],
) -> dict[str, RepositorySettings]:
    """The per-prefix settings as a dict (empty when left out), each for a rule's prefix and with the
    default's registry-wide settings (purge on stack delete, scan on push)."""
    if prefix_repositories is None:
        return {}
    if not isinstance(prefix_repositories, Mapping):
        raise ValidationError(
            "prefix_repositories",
            f"expected a mapping of prefix to RepositorySettings, got {prefix_repositories!r}",
            "pass prefix_repositories={'docker-hub': RepositorySettings(...)}",
        )
    prefixes = [r.prefix for r in rules]
    default_scan = (repositories or RepositorySettings()).scan_on_push
    for prefix, settings in prefix_repositories.items():
        if prefix not in prefixes:
            raise ValidationError(
                f"prefix_repositories[{prefix!r}]",
                f"no rule has the prefix {prefix!r}",
                f"use one of: {', '.join(prefixes)}",
            )
        if not isinstance(settings, RepositorySettings):
            raise ValidationError(
                f"prefix_repositories[{prefix!r}]",
                f"expected RepositorySettings, got {settings!r}",
                "pass RepositorySettings(...)",
            )
        if settings.delete_on_stack_delete != (repositories or RepositorySettings()).delete_on_stack_delete:
            raise ValidationError(
                f"prefix_repositories[{prefix!r}].delete_on_stack_delete",
                "purging on stack delete is one setting of the whole cache, not of a prefix's template",
                "set delete_on_stack_delete in the default repositories only",
            )
        if settings.scan_on_push is not default_scan:
            raise ValidationError(
                f"prefix_repositories[{prefix!r}].scan_on_push",
                "scan on push is one registry-wide scanning configuration, not a template setting",
                "set scan_on_push in the default repositories only (or use registry scanning rules with filters)",
                "set scanOnPush in the top-level repositories only, or use registry.scanning rules with filters",
            )
    return dict(prefix_repositories)


def check_key_location(repositories: Optional[RepositorySettings], stack: Stack) -> Optional[str]:
    """The warning for a KMS key of another account (None: none); an error for a key ECR cannot use here."""
    if repositories is None:
        return None
    region, account = (None if Token.is_unresolved(x) else x for x in (stack.region, stack.account))
    error, warning = repositories.key_location(region, account)
    if error:
        raise error.under("repositories")
    return warning


def check_secret_locations(rules: Sequence[UpstreamRule], stack: Stack) -> None:
    """Nothing: raises the first rule whose credential secret or role lies outside this stack's account or Region."""
    region, account = (None if Token.is_unresolved(x) else x for x in (stack.region, stack.account))
    for index, rule in enumerate(rules):
        for error in rule.location_errors(region, account):
            raise error.under(f"rules[{index}]")
