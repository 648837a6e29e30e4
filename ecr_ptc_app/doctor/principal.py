"""A principal's first-pull permissions, by IAM policy simulation of exactly what a first pull needs."""

from __future__ import annotations

from typing import Optional

from .aws import CannotCall
from .context import COULD_NOT_CHECK, OK, PROBE, PROBLEM, Context
from .lists import probe_name
from .policies import denied_actions, simulate, why_denied


def _identity_arn(ctx: Context, principal: str) -> tuple[Optional[str], Optional[str]]:
    """(the IAM user/role/group ARN to simulate, why not): an assumed-role session becomes its role."""
    parts = principal.split(":")
    if len(parts) < 6 or parts[0] != "arn" or parts[2] not in ("iam", "sts"):
        return None, "not an IAM user, role, group or assumed-role ARN"
    if parts[4] != ctx.account:
        return None, (
            f"it is in account {parts[4]}, and IAM simulates principals of this account ({ctx.account}) only: run "
            f"doctor with credentials of {parts[4]} (it needs the consumer policy's actions in its own account, and "
            "this config's access: for the registry policy)"
        )
    resource = parts[5]
    if parts[2] == "sts":
        if not resource.startswith("assumed-role/"):
            return None, "only assumed-role session ARNs of STS can be simulated (as their role)"
        role = resource.split("/")[1]
        found = ctx.aws.call("iam", "get_role", missing=("NoSuchEntity",), RoleName=role)
        if found is None:
            return None, f"its role {role} does not exist"
        return found["Role"]["Arn"], None
    return principal, None


def check_principal(ctx: Context, principal: str) -> None:
    """IAM policy simulation of exactly what a first pull through each prefix needs."""
    from ecr_ptc.cache.policy import pull_through_grants

    try:
        source, why_not = _identity_arn(ctx, principal)
    except CannotCall as exc:
        ctx.could_not("principal", principal, exc)
        return
    if source is None:
        ctx.add("principal", principal, COULD_NOT_CHECK, f"cannot simulate {principal}: {why_not}")
        return
    where = ctx.where()
    tagged = any(ctx.settings_for(r.prefix).tags for r in ctx.config.rules)  # as the construct's grants
    (token_actions, _), (fill_actions, _) = pull_through_grants(where, list(ctx.config.rules), tagged=tagged)
    kind, name = source.split(":")[5].split("/", 1)[0], source.rsplit("/", 1)[-1]
    policy = ctx.stack_output("ConsumerPolicyArn") or f"<the ConsumerPolicyArn output of {ctx.stack}>"
    attach = f"aws iam attach-{kind}-policy --{kind}-name {name} --policy-arn {policy}"
    try:
        token = simulate(ctx, source, token_actions, "*")
        checks: list[tuple[Optional[str], dict[str, dict], list[str]]] = [
            (None, token, denied_actions(token, token_actions))
        ]
        for rule in ctx.config.rules:
            name = probe_name(rule, PROBE)  # a name the rule's allow/deny lists let in
            results = simulate(ctx, source, fill_actions, ctx.repository_arn(rule.prefix, name))
            checks.append((rule.prefix, results, denied_actions(results, fill_actions)))
    except CannotCall as exc:
        ctx.could_not("principal", principal, exc)
        return
    for prefix, results, denied in checks:
        subject = f"{principal} {prefix + '/' if prefix and prefix != 'ROOT' else prefix or 'registry'}"
        what = "log in to the registry" if prefix is None else "pull through it, first pulls included"
        if not denied:
            ctx.add("principal", subject, OK, f"may {what}")
            continue
        explicit = any(results.get(a, {}).get("EvalDecision") == "explicitDeny" for a in denied)
        fix = attach if not explicit else f"remove the explicit Deny named above for {', '.join(denied)}; then {attach}"
        ctx.add("principal", subject, PROBLEM, f"may not {what}: {why_denied(results, denied)}", fix)
