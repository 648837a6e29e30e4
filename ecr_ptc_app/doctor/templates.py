"""Repository creation templates: a PULL_THROUGH_CACHE template per prefix with the settings ``cdk deploy``
gives it, and the role of tagged or KMS templates (trusted by ECR, allowed to create, tag and use the key)."""

from __future__ import annotations

from typing import Any, Optional, Sequence

from .aws import CannotCall
from .context import OK, PROBE, PROBLEM, Context
from .lists import probe_name
from .policies import as_list, compare_policies, denied_actions, parse_json, simulate, tag_dict, why_denied


def fetch_templates(ctx: Context, prefixes: list[str]) -> Optional[dict[str, dict]]:
    """The registry's templates for ``prefixes`` by prefix; None (each prefix noted) when they cannot be read."""
    try:
        return {
            t["prefix"]: t
            for t in ctx.aws.pages(
                "ecr", "describe_repository_creation_templates", "repositoryCreationTemplates", prefixes=prefixes
            )
        }
    except CannotCall as exc:
        for prefix in prefixes:
            ctx.could_not("template", prefix, exc)
        return None


def _repository_settings_differences(found: dict, settings: Any) -> list[str]:
    """Tag mutability, its exclusions, the lifecycle policy, encryption and tags."""
    differences = []
    if found.get("imageTagMutability", "MUTABLE") != settings.tag_mutability.value:
        differences.append(f"tags {found.get('imageTagMutability')}, the config says {settings.tag_mutability.value}")
    exclusions = sorted(f.get("filter") for f in found.get("imageTagMutabilityExclusionFilters") or [])
    if exclusions != sorted(settings.tag_mutability_exclusions):
        differences.append(
            f"tag mutability exclusions {exclusions}, the config says {sorted(settings.tag_mutability_exclusions)}"
        )
    expected_lifecycle = parse_json(settings.lifecycle_policy_text())
    if parse_json(found.get("lifecyclePolicy")) != expected_lifecycle:
        differences.append(
            "another lifecycle policy" if expected_lifecycle else "a lifecycle policy the config does not set"
        )
    encryption = found.get("encryptionConfiguration") or {}
    if encryption.get("encryptionType", "AES256") != settings.encryption.encryption_type or (
        settings.encryption.kms_key_arn and encryption.get("kmsKey") != settings.encryption.kms_key_arn
    ):
        differences.append(
            f"encryption {encryption.get('encryptionType', 'AES256')} {encryption.get('kmsKey') or ''}".rstrip()
            + f", the config says {settings.encryption.kms_key_arn or 'AES256'}"
        )
    if tag_dict(found.get("resourceTags")) != dict(settings.tags):
        differences.append(
            f"resource tags {tag_dict(found.get('resourceTags'))}, the config says {dict(settings.tags)}"
        )
    return differences


def _repository_policy_difference(ctx: Context, found: dict, settings: Any) -> Optional[str]:
    from ecr_ptc.cache.policy import repository_policy_document

    document = repository_policy_document(ctx.where(), ctx.config.access, settings.read_access)
    missing, extra = compare_policies(
        document.to_json() if document is not None else None, parse_json(found.get("repositoryPolicy")), ctx.partition
    )
    if not (missing or extra):
        return None
    return (
        "a repository policy "
        + (f"without {', '.join(missing)}" if missing else "")
        + (" and " if missing and extra else "")
        + (f"with statements the config does not give ({', '.join(extra)})" if extra else "")
    )


def template_differences(ctx: Context, found: dict, settings: Any) -> list[str]:
    """How the registry's template differs from the one the config deploys (empty: as configured)."""
    differences = []
    if "PULL_THROUGH_CACHE" not in (found.get("appliedFor") or []):
        differences.append(f"applies to {', '.join(found.get('appliedFor') or ['nothing'])}, not PULL_THROUGH_CACHE")
    differences += _repository_settings_differences(found, settings)
    policy = _repository_policy_difference(ctx, found, settings)
    if policy:
        differences.append(policy)
    role = found.get("customRoleArn")
    given_role = ctx.config.iam.template_role_arn if ctx.config.iam else None
    if settings.needs_template_role and not role:
        differences.append("no role, which ECR needs to apply the KMS key or tags")
    elif given_role and role and role != given_role:
        differences.append(f"role {role}, the config names {given_role}")
    return differences


def report_template(ctx: Context, prefix: str, found: Optional[dict]) -> None:
    """One prefix's template check: missing, different, or as configured."""
    if found is None:
        ctx.add(
            "template",
            prefix,
            PROBLEM,
            f"no repository creation template for {prefix}: what the cache creates gets ECR's defaults",
            f"deploy the cache: {ctx.deploy}",
        )
        return
    differences = template_differences(ctx, found, ctx.settings_for(prefix))
    if differences:
        ctx.add(
            "template",
            prefix,
            PROBLEM,
            "differs from the config: " + "; ".join(differences),
            f"deploy the cache: {ctx.deploy} (repositories created before keep the settings they got)",
        )
    else:
        ctx.add("template", prefix, OK, "PULL_THROUGH_CACHE template as configured")


def check_templates(ctx: Context) -> None:
    """A PULL_THROUGH_CACHE creation template per prefix, with the settings ``cdk deploy`` gives it."""
    prefixes = [r.prefix for r in ctx.config.rules]
    live = fetch_templates(ctx, prefixes)
    if live is None:
        return
    roles: dict[str, list[str]] = {}
    for prefix in prefixes:
        found = live.get(prefix)
        report_template(ctx, prefix, found)
        role = (found or {}).get("customRoleArn")
        if role:
            roles.setdefault(role, []).append(prefix)
    if any(ctx.settings_for(p).needs_template_role for p in prefixes):
        for role, role_prefixes in roles.items():
            check_template_role(ctx, role, role_prefixes)


def check_template_role(ctx: Context, role_arn: str, prefixes: Sequence[str]) -> None:
    """The role of tagged or KMS templates: trusted by ECR, allowed to create and tag (and use the key)."""
    from ecr_ptc.cache.policy import TEMPLATE_ACTIONS, TEMPLATE_KMS_ACTIONS

    subject = role_arn
    try:
        role = ctx.aws.call("iam", "get_role", missing=("NoSuchEntity",), RoleName=role_arn.rsplit("/", 1)[-1])
    except CannotCall as exc:
        ctx.could_not("template-role", subject, exc)
        return
    if role is None:
        ctx.add(
            "template-role",
            subject,
            PROBLEM,
            "the templates' role does not exist: first pulls fail",
            f"deploy the cache: {ctx.deploy}",
        )
        return
    trust = (
        parse_json(role["Role"].get("AssumeRolePolicyDocument"))
        if isinstance(role["Role"].get("AssumeRolePolicyDocument"), str)
        else role["Role"].get("AssumeRolePolicyDocument")
    )
    services = [
        str(s)
        for statement in as_list((trust or {}).get("Statement"))
        if isinstance(statement, dict) and statement.get("Effect") == "Allow"
        for s in as_list((statement.get("Principal") or {}).get("Service"))
    ]
    problems = [] if "ecr.amazonaws.com" in services else ["ECR (ecr.amazonaws.com) may not assume it"]
    keys = list(dict.fromkeys(k for p in prefixes if (k := ctx.settings_for(p).encryption.kms_key_arn)))
    try:
        rules = {r.prefix: r for r in ctx.config.rules}
        for prefix in prefixes:
            name = probe_name(rules[prefix], PROBE) if prefix in rules else PROBE  # one the lists let in
            results = simulate(ctx, role_arn, TEMPLATE_ACTIONS, ctx.repository_arn(prefix, name))
            denied = denied_actions(results, TEMPLATE_ACTIONS)
            if denied:
                problems.append(f"on {prefix}/: {why_denied(results, denied)}")
        for key in keys:
            results = simulate(ctx, role_arn, TEMPLATE_KMS_ACTIONS, key)
            denied = denied_actions(results, TEMPLATE_KMS_ACTIONS)
            if denied:
                problems.append(f"on {key}: {why_denied(results, denied)}")
    except CannotCall as exc:
        ctx.could_not("template-role", subject, exc)
        return
    if problems:
        ctx.add(
            "template-role",
            subject,
            PROBLEM,
            "the role ECR creates the cache's repositories with falls short (without ecr:TagResource tagged "
            "templates break cache pulls): " + "; ".join(problems),
            f"deploy the cache: {ctx.deploy}",
        )
    else:
        ctx.add(
            "template-role",
            subject,
            OK,
            "trusted by ECR; may create" + (", tag and use the key" if keys else " and tag"),
        )
