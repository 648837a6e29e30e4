"""Pull-through cache rules: each configured rule against the registry's, and whether ECR logs in upstream."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from .aws import CannotCall
from .context import OK, PROBLEM, Context
from .secrets import SECRET_SHAPE, configured_secret, secret_name

if TYPE_CHECKING:
    from ecr_ptc.cache.rules import UpstreamRule


def _same_upstream_prefix(live: Optional[str], configured: Optional[str]) -> bool:
    return (live or "ROOT") == (configured or "ROOT")


def fetch_rules(ctx: Context) -> Optional[dict[str, dict]]:
    """The registry's rules by prefix (``ecr:DescribePullThroughCacheRules``); None (each rule noted) when they
    cannot be read."""
    try:
        return {
            r["ecrRepositoryPrefix"]: r
            for r in ctx.aws.pages("ecr", "describe_pull_through_cache_rules", "pullThroughCacheRules")
        }
    except CannotCall as exc:
        for rule in ctx.config.rules:
            ctx.could_not("rule", rule.prefix, exc)
        return None


def _credential_difference(rule: UpstreamRule, live_secret: Optional[str]) -> Optional[str]:
    wanted_secret = configured_secret(rule)
    if wanted_secret is None and live_secret:
        return f"credentials {live_secret}, the config gives none"
    if wanted_secret and not live_secret:
        return f"no credentials, the config names {wanted_secret}"
    if wanted_secret and live_secret:
        same = (
            live_secret == wanted_secret
            if wanted_secret.startswith("arn:")
            else secret_name(live_secret) == wanted_secret
        )
        if not same:
            return f"credentials {live_secret}, the config names {wanted_secret}"
    return None


def _role_difference(rule: UpstreamRule, live_role: Optional[str]) -> Optional[str]:
    from ecr_ptc_runtime.names import Auth

    if rule.info.auth is Auth.ROLE:
        if rule.role_arn and live_role != rule.role_arn:
            return f"role {live_role or 'none'}, the config names {rule.role_arn}"
        if not live_role:
            return "no role for ECR to read the upstream registry"
    elif live_role:
        return f"role {live_role}, the config gives none"
    return None


def rule_differences(rule: UpstreamRule, found: dict) -> list[str]:
    """How the registry's rule differs from the configured one (empty: as configured)."""
    differences = []
    if found.get("upstreamRegistry") not in (None, rule.upstream):
        differences.append(f"upstream {found.get('upstreamRegistry')}, the config says {rule.upstream}")
    if found.get("upstreamRegistryUrl") != rule.upstream_url:
        differences.append(f"upstream URL {found.get('upstreamRegistryUrl')}, the config says {rule.upstream_url}")
    if not _same_upstream_prefix(found.get("upstreamRepositoryPrefix"), rule.upstream_prefix):
        differences.append(
            f"upstream prefix {found.get('upstreamRepositoryPrefix') or 'ROOT'}, the config says {rule.upstream_prefix or 'ROOT'}"
        )
    for difference in (
        _credential_difference(rule, found.get("credentialArn")),
        _role_difference(rule, found.get("customRoleArn")),
    ):
        if difference:
            differences.append(difference)
    return differences


def report_rule(ctx: Context, rule: UpstreamRule, found: Optional[dict]) -> None:
    """One configured rule's check: missing, different (create-only settings: deploy replaces it), or as configured."""
    if found is None:
        ctx.add(
            "rule",
            rule.prefix,
            PROBLEM,
            f"no pull-through cache rule {rule.prefix} in {ctx.account}/{ctx.region}",
            f"deploy the cache: {ctx.deploy}",
        )
        return
    differences = rule_differences(rule, found)
    if differences:
        ctx.add(
            "rule",
            rule.prefix,
            PROBLEM,
            "differs from the config: " + "; ".join(differences),
            f"every setting of a rule is create-only, so deploying replaces it: {ctx.deploy} (a rule made by hand: "
            f"aws ecr delete-pull-through-cache-rule --ecr-repository-prefix {rule.prefix} --region {ctx.region}, then deploy)",
        )
    else:
        live_secret = found.get("credentialArn")
        secret = f", credentials {secret_name(live_secret)}" if live_secret else ""
        ctx.add("rule", rule.prefix, OK, f"-> {rule.upstream_url}{secret}, as configured")


def report_unconfigured(ctx: Context, live: dict[str, dict]) -> None:
    """Rules the registry has and the config does not: a problem when they overlap a configured prefix."""
    configured = {r.prefix for r in ctx.config.rules}
    for prefix, found in sorted(live.items()):
        if prefix in configured:
            continue
        overlap = [
            p for p in configured if prefix.startswith(p + "/") or p.startswith(prefix + "/") or "ROOT" in (p, prefix)
        ]
        if overlap:
            ctx.add(
                "rule",
                prefix,
                PROBLEM,
                f"not in {ctx.config.file}, and it overlaps the configured prefix(es) {', '.join(sorted(overlap))}: "
                "images under both may go through either rule",
                f"delete it (aws ecr delete-pull-through-cache-rule --ecr-repository-prefix {prefix} --region {ctx.region}) "
                "or give it a prefix of its own",
            )
        else:
            ctx.add("rule", prefix, OK, f"not in {ctx.config.file} (-> {found.get('upstreamRegistryUrl')}); left alone")


def check_rules(ctx: Context) -> dict[str, dict]:
    """Each configured rule against the registry's; rules that exist but are not configured are listed."""
    live = fetch_rules(ctx)
    if live is None:
        return {}
    for rule in ctx.config.rules:
        report_rule(ctx, rule, live.get(rule.prefix))
    report_unconfigured(ctx, live)
    return live


def check_upstream_logins(ctx: Context, live: dict[str, dict]) -> None:
    """``ecr:ValidatePullThroughCacheRule`` for each configured rule with credentials: can ECR log in upstream?"""
    for rule in ctx.config.rules:
        if rule.credentials is None or (live and rule.prefix not in live):
            continue
        try:
            answer = ctx.aws.call(
                "ecr",
                "validate_pull_through_cache_rule",
                missing=("PullThroughCacheRuleNotFoundException",),
                ecrRepositoryPrefix=rule.prefix,
            )
        except CannotCall as exc:
            ctx.could_not("upstream-login", rule.prefix, exc)
            continue
        if answer is None:
            ctx.add(
                "upstream-login", rule.prefix, PROBLEM, "the rule does not exist", f"deploy the cache: {ctx.deploy}"
            )
        elif answer.get("isValid"):
            ctx.add(
                "upstream-login", rule.prefix, OK, f"ECR logs in to {rule.upstream_url} with the rule's credentials"
            )
        else:
            secret = (
                answer.get("credentialArn")
                or (live.get(rule.prefix) or {}).get("credentialArn")
                or configured_secret(rule)
            )
            ctx.add(
                "upstream-login",
                rule.prefix,
                PROBLEM,
                f"ECR cannot log in to {rule.upstream_url}: {answer.get('failure') or 'no reason given'}",
                f"store working credentials: aws secretsmanager put-secret-value --secret-id {secret} --region "
                f"{ctx.region} --secret-string '{SECRET_SHAPE}', then aws ecr validate-pull-through-cache-rule "
                f"--ecr-repository-prefix {rule.prefix} --region {ctx.region}",
            )
