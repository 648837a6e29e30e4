"""The registry's singletons: its registry policy and its scanning configuration (one each per registry)."""

from __future__ import annotations

from typing import Any, Optional

from .aws import CannotCall
from .context import OK, PROBLEM, Context
from .policies import as_list, compare_policies, parse_json


def expected_registry_policy(ctx: Context) -> Optional[dict]:
    """The registry policy ``cdk deploy`` gives this account: the cache's statements (``access``) and the config's
    own (``registry.policyStatements``), from the policy builders the construct uses; None when it makes none."""
    from aws_cdk import aws_iam as iam

    from ecr_ptc.cache.policy import registry_policy_document

    access, extra = ctx.config.access, (ctx.config.registry.policy_statements if ctx.config.registry else ())
    if access is None and not extra:
        return None
    document = registry_policy_document(ctx.where(), list(ctx.config.rules), access) if access else iam.PolicyDocument()
    for statement in extra:
        document.add_statements(iam.PolicyStatement.from_json(statement))
    return dict(document.to_json())


def check_registry_policy(ctx: Context) -> None:
    """The registry policy against the one ``cdk deploy`` gives, statement by statement."""
    try:
        answer = ctx.aws.call("ecr", "get_registry_policy", missing=("RegistryPolicyNotFoundException",))
    except CannotCall as exc:
        ctx.could_not("registry-policy", "registry", exc)
        return
    live = parse_json((answer or {}).get("policyText"))
    expected = expected_registry_policy(ctx)
    if expected is None:
        ctx.add("registry-policy", "registry", OK, "none" if not live else "one exists; this config sets none")
        return
    if not live:
        ctx.add(
            "registry-policy",
            "registry",
            PROBLEM,
            "no registry policy: the accounts of access: cannot fill the cache",
            f"deploy the cache: {ctx.deploy}",
        )
        return
    missing, extra = compare_policies(expected, live, ctx.partition)
    problems = []
    if missing:
        problems.append(f"lacks the statement(s) {', '.join(missing)} (replaced by another stack or by hand?)")
    if extra:
        problems.append(
            f"holds statement(s) the config does not give ({', '.join(extra)}): the next deploy removes them"
        )
    if problems:
        ctx.add(
            "registry-policy",
            "registry",
            PROBLEM,
            "the registry policy (one per registry) " + "; ".join(problems),
            f"keep what must stay in registry.policyStatements of {ctx.config.file}, then deploy: {ctx.deploy}",
        )
    else:
        ctx.add(
            "registry-policy", "registry", OK, f"as configured ({len(as_list(expected.get('Statement')))} statements)"
        )


def check_scanning(ctx: Context) -> None:
    """The scanning configuration ``cdk deploy`` gives the registry (scan on push for the cache prefixes, joined
    to ``registry.scanning``), compared type, frequency and filter by filter."""
    from ecr_ptc.cache.registry_settings import merged_scanning
    from ecr_ptc.cache.settings import ScanOnPush

    scan = ctx.config.repositories.scan_on_push
    wanted = merged_scanning(
        ctx.config.registry.scanning if ctx.config.registry else None,
        None if scan is ScanOnPush.OFF else scan.value.upper(),
        [r.repository_pattern for r in ctx.config.rules],
    )
    try:
        answer = ctx.aws.call("ecr", "get_registry_scanning_configuration")
    except CannotCall as exc:
        ctx.could_not("scanning", "registry", exc)
        return
    live = (answer or {}).get("scanningConfiguration") or {}
    if wanted is None:
        ctx.add("scanning", "registry", OK, f"not set by this config (the registry's: {live.get('scanType', 'BASIC')})")
        return
    scan_type, rules = wanted

    def filters(rules: Any) -> dict[str, set[str]]:
        return {r.get("scanFrequency"): {f.get("filter") for f in r.get("repositoryFilters", [])} for r in rules or []}

    want, have = filters(rules), filters(live.get("rules"))
    problems = (
        [f"scan type {live.get('scanType')}, the config says {scan_type}"] if live.get("scanType") != scan_type else []
    )
    for frequency, wanted_filters in want.items():
        missing = sorted(wanted_filters - have.get(frequency, set()))
        if missing:
            problems.append(f"no {frequency} for {', '.join(missing)}")
    for frequency, live_filters in have.items():
        extra = sorted(live_filters - want.get(frequency, set()))
        if extra:
            problems.append(f"{frequency} for {', '.join(extra)}, which the next deploy removes")
    if problems:
        ctx.add(
            "scanning",
            "registry",
            PROBLEM,
            "; ".join(problems) + " (a registry has one scanning configuration: replaced by another stack or by hand?)",
            f"keep what must stay in registry.scanning of {ctx.config.file}, then deploy: {ctx.deploy}",
        )
    else:
        ctx.add("scanning", "registry", OK, f"{scan_type} as configured")
