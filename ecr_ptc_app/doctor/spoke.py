"""``ecr-ptc doctor`` in a spoke: with a member account's credentials, is this account's spoke wired to the hub?

Checks (area ``spoke``), each ok / problem / could not check:

* the spoke's pull-through rules: one per hub prefix, to the hub registry (``ecr:DescribePullThroughCacheRules``);
* chaining authorized: the spoke's pull-through role may fill the hub's prefixes (``ecr:CreateRepository``,
  ``ecr:BatchImportUpstreamImage``; ``iam:SimulatePrincipalPolicy`` on the role the rule names);
* the forwarding rule (``organization.fillOnMiss``): a rule of this account targets the hub's miss bus
  (``events:ListRuleNamesByTarget``) and is enabled (``events:DescribeRule``);
* for each ``--image``: whether the hub holds it (``ecr:DescribeImages`` on the hub registry, which the hub's
  registry policy grants the organization), else the exact ``ecr-ptc warm`` command to run with the hub's
  credentials.

Also :func:`hub_holds`, which ``ecr-ptc org verify`` shares, and :func:`policy_statements`, what
``--print-policy`` adds for a spoke.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional, Sequence

from .aws import CannotCall
from .context import COULD_NOT_CHECK, OK, PROBLEM
from .policies import denied_actions, simulate, why_denied

if TYPE_CHECKING:
    from ecr_ptc_runtime.names import ImageRef

    from .context import Context

AREA = "spoke"
MISSING = ("RepositoryNotFoundException", "ImageNotFoundException")


def is_spoke(ctx: "Context") -> bool:
    """The config has ``organization`` and these credentials are a member account's, not the hub's."""
    settings = ctx.config.organization
    return settings is not None and ctx.account != settings.hub.account


def hub_holds(hub_ecr: Any, hub_account: str, ref: "ImageRef") -> Optional[str]:
    """The digest the hub holds for ``ref``, None when it does not (``ecr:DescribeImages`` on the hub registry,
    which the hub's registry policy grants the organization: it lists without pulling, where a
    ``BatchGetImage`` on a cache repository would import the image). Raises the client's error otherwise."""
    try:
        answer = hub_ecr.describe_images(
            registryId=hub_account, repositoryName=ref.repository, imageIds=[{"imageTag": ref.tag}]
        )
    except Exception as exc:  # noqa: BLE001 - botocore's errors, loaded lazily
        if str(getattr(exc, "response", {}).get("Error", {}).get("Code", "")) in MISSING:
            return None
        raise
    details = answer.get("imageDetails") or []
    return str(details[0].get("imageDigest") or "?") if details else None


def warm_command(ctx: "Context", ref: "ImageRef") -> str:
    settings = ctx.config.organization
    assert settings is not None
    return (
        f"with the hub's credentials ({settings.hub.account}, AWS_REGION={settings.hub.region}): "
        f"ecr-ptc warm --config {ctx.config.file} {ref}"
    )


def check_rules(ctx: "Context") -> dict[str, dict]:
    """The spoke's rules through the hub, by prefix; a problem for each one missing or pointing elsewhere."""
    from ecr_ptc.organization.settings import spoke_rules

    settings = ctx.config.organization
    assert settings is not None
    expected = [r for r in spoke_rules(ctx.config.rules, settings) if r.upstream_url == settings.hub.registry_url]
    try:
        live = {
            r["ecrRepositoryPrefix"]: r
            for r in ctx.aws.pages("ecr", "describe_pull_through_cache_rules", "pullThroughCacheRules")
        }
    except CannotCall as exc:
        ctx.could_not(AREA, "pull-through rules", exc)
        return {}
    fix = (
        f"the StackSet {settings.stack_set.name} has not deployed this account and Region: 'aws cloudformation "
        f"list-stack-instances --stack-set-name {settings.stack_set.name} --stack-instance-account {ctx.account}' "
        f"(in {settings.stack_set.account}, {settings.stack_set.region}) says why"
    )
    found = {}
    for rule in expected:
        have = live.get(rule.prefix)
        if have is None:
            ctx.add(AREA, f"rule {rule.prefix}", PROBLEM, f"no pull-through rule for prefix {rule.prefix}", fix)
        elif have.get("upstreamRegistryUrl") != settings.hub.registry_url:
            ctx.add(
                AREA,
                f"rule {rule.prefix}",
                PROBLEM,
                f"the rule for {rule.prefix} pulls from {have.get('upstreamRegistryUrl')}, not the hub "
                f"{settings.hub.registry_url}",
                "delete that rule (it predates the spoke) and update the stack instance",
            )
        else:
            found[rule.prefix] = have
            ctx.add(AREA, f"rule {rule.prefix}", OK, f"pulls through the hub {settings.hub.registry_url}")
    return found


def check_chaining(ctx: "Context", rules: dict[str, dict]) -> None:
    """The spoke's pull-through role may fill the hub's prefixes (what chaining would need)."""
    from ecr_ptc.cache.policy import CACHE_FILL_ACTIONS

    settings = ctx.config.organization
    assert settings is not None
    for prefix, rule in rules.items():
        role = rule.get("customRoleArn")
        if not role:
            ctx.add(AREA, f"chaining {prefix}", PROBLEM, "the rule names no role", "update the stack instance")
            continue
        pattern = "*" if prefix == "ROOT" else f"{prefix}/ecr-ptc-doctor-probe"
        hub_arn = f"arn:{ctx.partition}:ecr:{settings.hub.region}:{settings.hub.account}:repository/{pattern}"
        try:
            results = simulate(ctx, role, CACHE_FILL_ACTIONS, hub_arn)
        except CannotCall as exc:
            ctx.could_not(AREA, f"chaining {prefix}", exc)
            continue
        denied = denied_actions(results, CACHE_FILL_ACTIONS)
        if denied:
            ctx.add(
                AREA,
                f"chaining {prefix}",
                PROBLEM,
                f"the pull-through role cannot fill the hub's {prefix} prefix: {why_denied(results, denied)}",
                "update the stack instance (the spoke's FillHub statement), and check permissions boundaries and SCPs",
            )
        else:
            ctx.add(AREA, f"chaining {prefix}", OK, "the pull-through role may create and fill hub repositories")


def check_forwarding(ctx: "Context") -> None:
    """A rule of this account targets the hub's miss bus and is enabled."""
    from ecr_ptc.organization.settings import miss_prefixes

    settings = ctx.config.organization
    assert settings is not None
    if not miss_prefixes(ctx.config.rules, settings):  # fillOnMiss off, or nothing pulled through the hub
        return
    bus = settings.miss_bus_arn(ctx.partition)
    try:
        names = (ctx.aws.call("events", "list_rule_names_by_target", TargetArn=bus) or {}).get("RuleNames") or []
        states = {n: (ctx.aws.call("events", "describe_rule", Name=n) or {}).get("State") for n in names}
    except CannotCall as exc:
        ctx.could_not(AREA, "miss forwarding", exc)
        return
    enabled = [n for n, state in states.items() if str(state).startswith("ENABLED")]
    if enabled:
        ctx.add(AREA, "miss forwarding", OK, f"rule {enabled[0]} forwards failed pull-through actions to {bus}")
    else:
        ctx.add(
            AREA,
            "miss forwarding",
            PROBLEM,
            f"no enabled rule of this account targets the hub's miss bus {bus}"
            + (f" (disabled: {', '.join(states)})" if states else ""),
            "update the stack instance (organization.fillOnMiss: true); 'aws events enable-rule --name <rule>' if it "
            "was disabled",
        )


def check_hub_image(ctx: "Context", written: str) -> None:
    """Whether the hub holds the image, else the exact command that fills it."""
    from ecr_ptc_runtime.names import best_prefix, parse_image

    settings = ctx.config.organization
    assert settings is not None
    try:
        ref = parse_image(written)
    except ValueError as exc:
        ctx.add(AREA, written, PROBLEM, str(exc), "write it as <prefix>/<repository>:<tag>")
        return
    if best_prefix(ref.repository, [r.prefix for r in ctx.config.rules]) is None:
        prefixes = ", ".join(r.prefix for r in ctx.config.rules)
        ctx.add(AREA, written, PROBLEM, f"under no cache prefix ({prefixes})", "start it with a rule's prefix")
        return
    try:
        hub_ecr = ctx.aws.session.client("ecr", region_name=settings.hub.region)
        digest = hub_holds(hub_ecr, settings.hub.account, ref)
    except Exception as exc:  # noqa: BLE001 - denied, throttled, no network: could not check
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", "")) or type(exc).__name__
        ctx.add(AREA, f"hub {written}", COULD_NOT_CHECK, f"ecr:DescribeImages on the hub failed: {code}")
        return
    if digest:
        ctx.add(AREA, f"hub {written}", OK, f"the hub holds it ({digest}): a pull here copies it from the hub")
    else:
        ctx.add(AREA, f"hub {written}", PROBLEM, "the hub does not hold it yet", warm_command(ctx, ref))


def policy_statements(config: Any, partition: str = "aws") -> list[dict[str, Any]]:
    """What ``--print-policy`` adds for a spoke (with ``organization``): the forwarding rule's and the hub's
    images' reads; the rules and the role simulation are in the hub's statements already. Any account and
    Region: the member accounts are not in the config."""
    settings = getattr(config, "organization", None)
    if settings is None:
        return []
    from ecr_ptc_runtime.names import repository_pattern

    hub = f"arn:{partition}:ecr:{settings.hub.region}:{settings.hub.account}:repository/"
    return [
        {
            "Sid": "SpokeFindForwardingRule",
            "Effect": "Allow",
            "Action": ["events:ListRuleNamesByTarget"],
            "Resource": "*",  # no resource-level permissions
        },
        {
            "Sid": "SpokeReadForwardingRule",
            "Effect": "Allow",
            "Action": ["events:DescribeRule"],
            "Resource": f"arn:{partition}:events:*:*:rule/*",
        },
        {
            "Sid": "SpokeReadHubImages",
            "Effect": "Allow",
            "Action": ["ecr:DescribeImages"],
            "Resource": [hub + repository_pattern(r.prefix) for r in config.rules],
        },
    ]


def run_spoke_checks(ctx: "Context", images: Sequence[str]) -> None:
    """Every spoke check, in the order the output lists them."""
    rules = check_rules(ctx)
    check_chaining(ctx, rules)
    check_forwarding(ctx)
    for image in images:
        check_hub_image(ctx, image)


__all__ = ["AREA", "hub_holds", "is_spoke", "policy_statements", "run_spoke_checks", "warm_command"]
