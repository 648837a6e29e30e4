"""Checks across keys, once every key is built: the organization (the hub becomes the environment),
the registry's singletons, opt-in Regions, and what depends on where each stack goes."""

from __future__ import annotations

import dataclasses
from typing import Optional

from ecr_ptc import validation as v
from ecr_ptc.cache.grants import check_policy_sizes
from ecr_ptc.cache.registry_settings import (
    merged_scanning,
    singleton_warnings,
)
from ecr_ptc.cache.rules import check_purge
from ecr_ptc.cache.settings import AccessSettings, ScanOnPush
from ecr_ptc.errors import ValidationError
from ecr_ptc.organization.settings import (
    MAX_REGISTRY_POLICY_CHARACTERS,
    DeploymentTargets,
    HubLocation,
    OrganizationSettings,
    StackSetLocation,
    hub_registry_policy_length,
)

from .errors import Problems, camel, for_file
from .keys import _tuple
from .model import Environment
from .shapes import _mapping, _or_empty, _props


def _registry_singletons(out: dict, problems: Problems) -> list[str]:
    """The one scanning configuration must hold yours and the cache's; say that the stack owns the
    registry's singletons whenever it creates one."""
    registry, repositories = out.get("registry"), out.get("repositories")
    scan = repositories.scan_on_push if repositories else ScanOnPush.OFF
    cache_type = None if scan is ScanOnPush.OFF else scan.value.upper()
    rules = out.get("rules") or ()
    scanning = problems.attempt(
        merged_scanning, registry.scanning if registry else None, cache_type, [r.repository_pattern for r in rules]
    )
    policy = bool(out.get("access")) or bool(registry and registry.policy_statements)
    return [f"registry: {w}" for w in singleton_warnings(policy, scanning is not None)]


def _region_warnings(out: dict, organized: bool) -> list[str]:
    """Opt-in Regions (one list: ecr_ptc.checks.regions.DEFAULT_ENABLED_REGIONS), and what reaches the hub only."""
    org: Optional[OrganizationSettings] = out.get("organization")
    found = []
    if not organized:
        found = [
            (f"environments[{i}].region", e.region, "the account that deploys there")
            for i, e in enumerate(out.get("environments") or ())
        ]
    elif org is not None:
        found = [
            ("organization.hub.region", org.hub.region, "the hub's account"),
            ("organization.stackSet.region", org.stack_set.region, "the StackSet's account"),
        ]
        found += [
            (
                f"organization.targets.regions[{i}]",
                region,
                "every account of the target OUs (a stack instance in an account where it is disabled fails and "
                "counts against failureTolerancePercentage)",
            )
            for i, region in enumerate(org.targets.regions)
        ]
    warnings = [f"{path}: {w}" for path, region, who in found if (w := v.opt_in_warning(region, who))]
    if org is not None and out.get("consumer_role_names"):
        warnings.append(
            "consumers.roleNames: with organization the consumer policy is attached to these roles in the hub's "
            "account only; in member accounts attach the spoke's policy (output SpokeConsumerPolicy) yourself"
        )
    return warnings


def _places(out: dict, organized: bool) -> list[tuple[str, Environment]]:
    """Each environment with the key that says where it is: ``environments[i]``, or ``organization.hub``."""
    envs = out.get("environments") or ()
    return [("organization.hub" if organized else f"environments[{i}]", env) for i, env in enumerate(envs)]


def _at(err: ValidationError, parent: str, place: str) -> ValidationError:
    """A location error of the settings at ``parent``, for the config file, naming the environment."""
    err = for_file(err, parent)
    return ValidationError(err.path, f"{err.problem} ({place})", err.fix)


def _list_sizes(out: dict, problems: Problems) -> None:
    """With allow/deny lists, the policies that name every pattern must fit IAM's and ECR's size limits; a
    purge on stack delete never covers a ROOT rule."""
    rules = out.get("rules") or ()
    purge = bool(out.get("repositories") and out["repositories"].delete_on_stack_delete)
    problems.attempt(check_purge, list(rules), purge)
    if not any(r.restricted for r in rules):
        return
    access, registry = out.get("access"), out.get("registry")
    settings = [s for s in (out.get("repositories"), *(out.get("prefix_repositories") or {}).values()) if s]
    problems.attempt(
        lambda: check_policy_sizes(
            rules,
            tagged=any(s.tags for s in settings),
            principals=access.principals if access else (),
            organization_id=access.organization_id if access else None,
            extra_registry_statements=registry.policy_statements if registry else (),
        )
    )


def _stack_checks(out: dict, problems: Problems, places: list[tuple[str, Environment]]) -> list[str]:
    """What depends on where each stack goes (a KMS key's, secret's, role's and topic's Region and account,
    the workstation's Region, CloudFormation's output limit), once the environments are final (the
    organization's hub included): the same methods the constructs and stacks call at synth."""
    from ecr_ptc_runtime.mapping import root_overlaps
    from ecr_ptc_stacks.outputs import digest_outputs_warning

    warnings = []
    _list_sizes(out, problems)
    settings = [("repositories", out.get("repositories"))]
    settings += [
        (f"rules[{[r.prefix for r in out['rules']].index(prefix)}].repositories", s)
        for prefix, s in (out.get("prefix_repositories") or {}).items()
    ]
    for place, env in places:
        if out.get("workstation"):
            try:
                out["workstation"].check_region(env.region)
            except ValidationError as err:
                problems.errors.append(_at(err, "workstation", place))
        for parent, repositories in settings:
            error, warning = repositories.key_location(env.region, env.account) if repositories else (None, None)
            if error:
                problems.errors.append(_at(error, parent, place))
            if warning and parent == "repositories":
                warnings.append(f"repositories.encryption.kmsKeyArn: {warning} ({place})")
        monitoring = out.get("monitoring")
        topic_error = monitoring.topic_location_error(env.region) if monitoring else None
        if topic_error:
            problems.errors.append(_at(topic_error, "monitoring", place))
    reported: set[str] = set()
    for r, rule in enumerate(out.get("rules") or ()):
        for place, env in places:
            for error in rule.location_errors(env.region, env.account):
                found = _at(error, f"rules[{r}]", place)
                if found.path not in reported:  # one environment that does not fit is enough to say
                    reported.add(found.path)
                    problems.errors.append(found)
    template_role = out["iam"].template_role_arn if out.get("iam") else None
    for place, env in places:
        if template_role and env.account and v.region_of_arn(template_role)[1] != env.account:
            problems.errors.append(
                ValidationError(
                    "iam.templateRoleArn",
                    f"the role belongs to account {v.region_of_arn(template_role)[1]}, the stack to {env.account} "
                    f"({place}): a role passed to ECR must be in the registry's own account",
                    "give a role of the stack's account, or leave templateRoleArn out (the stack creates one)",
                )
            )
    if out.get("rules") and out.get("warm"):
        warning = digest_outputs_warning(out["rules"], out["warm"])
        if warning:
            warnings.append(f"warm.images: {warning}")
    warnings += [f"rules: {w}" for w in root_overlaps(out.get("rules") or ())]
    return warnings


def _organization(doc: dict, out: dict, problems: Problems) -> list[str]:
    """``organization``: the hub is the one environment (``environments`` is refused) and ``access`` gets the
    organization; then the stack checks, for the hub. Returns the warnings."""
    if "environments" in doc:
        problems.errors.append(
            ValidationError(
                "environments",
                "environments cannot be combined with organization: the hub is the cache's one environment",
                "remove environments; organization.hub says where the cache is, organization.targets where spokes go",
            )
        )
    settings = _organization_settings(doc, problems)
    if settings is None:
        return []
    warnings = [f"organization: {w}" for w in settings.warnings]
    _organization_access(doc, out, settings, problems)
    warnings += _organization_hub_checks(out, settings, problems)
    out["organization"] = settings
    out["environments"] = (Environment(settings.hub.region, settings.hub.account),)
    return warnings


def _organization_settings(doc: dict, problems: Problems) -> Optional[OrganizationSettings]:
    """The ``organization`` mapping built into ``OrganizationSettings`` (None: a part failed; its error is in
    ``problems``)."""
    parts: dict[str, tuple[type, str, dict]] = {
        "hub": (HubLocation, "account and region", {}),
        "stackSet": (StackSetLocation, "account, region, callAs, name", {}),
        "targets": (
            DeploymentTargets,
            "organizationalUnits and regions",
            {"organizational_units": _tuple, "regions": _tuple},
        ),
    }
    keys = tuple(camel(f.name) for f in dataclasses.fields(OrganizationSettings))
    raw = problems.attempt(
        _mapping, _or_empty(doc, "organization", {}), "organization", keys, "organization settings", problems
    )
    built = {}
    for key, (cls, what, convert) in parts.items():
        if raw and key in raw:
            built[key] = problems.attempt(_props, cls, raw[key], f"organization.{key}", what, convert, problems)
    if raw is None or None in built.values():
        return None
    return problems.attempt(_props, OrganizationSettings, {**raw, **built}, "organization", "organization settings")


def _organization_access(doc: dict, out: dict, settings: OrganizationSettings, problems: Problems) -> None:
    """Nothing: ``out["access"]`` gets the organization (kept with its principals), or an error says
    ``access.organizationId`` names another one."""
    access = out.get("access")
    if access is not None and access.organization_id not in (None, settings.organization_id):
        problems.errors.append(
            ValidationError(
                "access.organizationId",
                f"{access.organization_id} is not organization.organizationId ({settings.organization_id})",
                "remove access.organizationId (organization grants its own organization), or make them equal",
            )
        )
    elif access is not None or "access" not in doc:
        principals = access.principals if access else ()
        out["access"] = AccessSettings(principals=principals, organization_id=settings.organization_id)


def _organization_hub_checks(out: dict, settings: OrganizationSettings, problems: Problems) -> list[str]:
    """What the spokes and the hub's registry policy need of the other keys (permissions boundary, KMS key,
    policy size, tag keys): errors into ``problems``; returns the warnings."""
    warnings: list[str] = []
    boundary = out["iam"].permissions_boundary if out.get("iam") else None
    if boundary and boundary.startswith("arn:") and not boundary.split(":")[4] == "aws":
        problems.errors.append(
            ValidationError(
                "iam.permissionsBoundary",
                "the spokes' roles get the boundary too, and an ARN names the policy of one account",
                "give the policy's name: every account (the hub's and each spoke's) resolves it in itself",
            )
        )
    encrypted = [s for s in (out.get("repositories"), *(out.get("prefix_repositories") or {}).values()) if s]
    if any(s.encryption.kms_key_arn for s in encrypted):
        warnings.append(
            "organization: spokes encrypt their repositories with KMS under the AWS managed key aws/ecr: "
            "repositories.encryption's key belongs to the hub's account and Region"
        )
    principals = out["access"].principals if out.get("access") else ()
    length = hub_registry_policy_length(out.get("rules") or (), settings, principals)
    if length > MAX_REGISTRY_POLICY_CHARACTERS:
        problems.errors.append(
            ValidationError(
                "rules",
                f"with organization the hub's registry policy lists each prefix in every statement: about "
                f"{length} characters, ECR takes {MAX_REGISTRY_POLICY_CHARACTERS}",
                "use fewer or shorter prefixes, or fewer access.principals (the organization covers its accounts)",
            )
        )
    for key in out.get("tags") or {}:
        problem = v.stack_set_tag_key_problem(key)
        if problem:
            problems.errors.append(
                ValidationError(f"tags.{key}", problem, "rename the key (the spokes and hub take it as it is)")
            )
    return warnings
