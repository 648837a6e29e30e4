"""``ecr-ptc org plan``: what the organization rollout's StackSet will do, read from AWS Organizations (read-only).

Prints the accounts of each target OU (nested OUs included), the accounts left out (the hub: account filter;
the management account: service-managed StackSets never deploy there), the stack instances (accounts x
Regions), the waves the operation preferences imply and an estimate of the rollout time, and every problem
that would make the rollout fail, each with a ``Fix:`` line.

Exit codes: 0 the plan has no problem, 1 problems found (OUs that do not exist, StackSets' trusted access
off, a ``stackSet.account`` that may not create the StackSet, no account to deploy to, a quota passed), 2
bad usage, a config without ``organization``, or AWS Organizations not readable (no credentials, access
denied, no organization). Only the standard library is imported here; boto3 and the config loader load
inside ``run``.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable, Optional, TextIO

from ..organizations import Account, Reader, SetupError, Target, read_target

STACKSETS_PRINCIPAL = "member.org.stacksets.cloudformation.amazonaws.com"
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Problem:
    message: str
    fix: str


@dataclass
class Plan:
    organization_id: str
    management_account: str
    targets: list[Target]
    deploy_accounts: list[str]
    excluded: list[dict[str, str]]
    inactive: list[Account]
    regions: list[str]
    rollout: dict[str, Any]
    notes: list[str]
    problems: list[Problem]


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "org",
        help="the organization rollout: see what its StackSet will do before you deploy",
        description="Commands for the config's organization rollout (a hub cache and a StackSet of spokes).",
    )
    sub = p.add_subparsers(dest="org_command", required=True, metavar="{plan,verify}")
    plan = sub.add_parser(
        "plan",
        help="read the organization (read-only) and print the accounts, stack instances and waves of the rollout",
        description="Reads AWS Organizations with the current credentials (the management account, or a delegated "
        "administrator for Organizations) and prints what the StackSet will do. Exit 0 no problem, 1 problems, "
        "2 bad usage or no access.",
    )
    plan.add_argument("--config", metavar="PATH", help="config file with organization (default: config/default.yaml)")
    plan.add_argument(
        "--minutes-per-instance",
        type=float,
        default=None,
        metavar="N",
        help="how long one stack instance takes, for the estimate (default 2)",
    )
    plan.add_argument("--output", choices=("text", "json"), default="text", help="text lines, or one JSON document")
    from .. import org_verify  # standard library only at import

    org_verify.add_arguments(
        sub.add_parser(
            "verify",
            help="with a member account's credentials: which path fills a spoke's miss (chaining, miss forwarding)",
            description=(org_verify.__doc__ or "").split("\n\n")[1].replace("\n", " "),
        )
    )
    p.set_defaults(func=run)
    return p


def run(
    args: argparse.Namespace, stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None, session: Any = None
) -> int:
    """Run ``ecr-ptc org <command>``; returns the exit code (0 no problem, 1 problems, 2 bad usage or no access).

    :param session: a boto3 session to read AWS Organizations with (default: the default session).
    """
    out, err = stdout or sys.stdout, stderr or sys.stderr
    if getattr(args, "org_command", None) == "verify":
        from .. import org_verify

        return org_verify.run(args, out, err, session=session)
    if getattr(args, "org_command", None) != "plan":  # argparse requires one; a caller may not
        json_out = out if getattr(args, "output", "text") == "json" else None
        return _fail(err, "no org command given", "run 'ecr-ptc org plan'", json_out)
    from ecr_ptc.organization.waves import DEFAULT_MINUTES_PER_INSTANCE

    from ..config import ConfigError, load_config

    minutes = DEFAULT_MINUTES_PER_INSTANCE if args.minutes_per_instance is None else args.minutes_per_instance
    json_out = out if args.output == "json" else None  # --output json: the error as a document on stdout too
    if not minutes > 0:
        return _fail(
            err, f"--minutes-per-instance {minutes} is not more than 0", "give a positive number of minutes", json_out
        )
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        for line in exc.lines():
            print(f"error: {line}", file=err)
        if json_out:
            first = exc.problems[0]
            where = f"{first.path}: " if first.path else ""
            _error_document(json_out, exc.file, f"{where}{first.problem}", first.fix)
        return 2
    if config.organization is None:
        return _fail(
            err,
            f"{config.file} has no organization",
            "add an organization block (README 'Organization rollout'), or pass --config with one",
            json_out,
            config.file,
        )
    try:
        plan = make_plan(config, _client(session), minutes)
    except SetupError as exc:
        return _fail(err, f"cannot read AWS Organizations: {exc}", exc.fix, json_out, config.file)
    code = 1 if plan.problems else 0
    if args.output == "json":
        out.write(json.dumps(document(plan, config.file, code), indent=2) + "\n")
    else:
        out.write(text(plan, config))
    for problem in plan.problems:
        print(f"problem: {problem.message}.\n  Fix: {problem.fix}", file=err)
    return code


def _fail(err: TextIO, message: str, fix: str, json_out: Optional[TextIO] = None, config: Optional[str] = None) -> int:
    print(f"error: {message}.\n  Fix: {fix}", file=err)
    if json_out is not None:
        _error_document(json_out, config, message, fix)
    return 2


def _error_document(out: TextIO, config: Optional[str], message: str, fix: str) -> None:
    """What ``--output json`` prints when there is no plan (exit 2): the error and its fix, as doctor does."""
    document = {"schemaVersion": SCHEMA_VERSION, "config": config, "error": {"message": message, "fix": fix}}
    out.write(json.dumps({**document, "exitCode": 2}, indent=2) + "\n")


def _client(session: Any) -> Any:
    import boto3
    from botocore.config import Config

    # Organizations answers from one endpoint (us-east-1 in the commercial partition) and throttles
    # bursts: adaptive retries keep a large tree walk going.
    config = Config(retries={"mode": "adaptive", "max_attempts": 10})
    return (session or boto3.session.Session()).client("organizations", region_name="us-east-1", config=config)


def make_plan(config: Any, client: Any, minutes_per_instance: float) -> Plan:
    """The plan for ``config.organization``, reading the organization through ``client`` (read-only calls)."""
    from ecr_ptc.organization.waves import STACK_INSTANCES_PER_STACK_SET, plan_rollout

    settings = config.organization
    reader = Reader(client)
    organization = reader.call("describe_organization")["Organization"]
    management = organization["MasterAccountId"]
    roots = {r["Id"]: r.get("Name", "Root") for r in reader.pages("list_roots", "Roots")}
    targets = [read_target(reader, t, roots) for t in settings.targets.organizational_units]
    problems = _organization_problems(settings, organization["Id"], targets)
    problems += _stack_set_problems(reader, settings, management)
    selected = _select_accounts(settings, targets, management)
    problems += selected.problems
    rollout = plan_rollout(len(selected.deploy), len(settings.targets.regions), settings, minutes_per_instance)
    if rollout.over_quota:
        problems.append(
            Problem(
                f"{rollout.instances} stack instances pass StackSets' {STACK_INSTANCES_PER_STACK_SET} per stack set",
                "fewer Regions, or request a quota increase (Service Quotas, AWS CloudFormation)",
            )
        )
    notes = selected.notes
    if settings.auto_deploy:
        notes.append(
            "accounts that join the target OUs later get the spoke automatically, in every target Region "
            "(operation preferences do not apply to automatic deployments)"
        )
    return Plan(
        organization_id=organization["Id"],
        management_account=management,
        targets=targets,
        deploy_accounts=selected.deploy,
        excluded=selected.excluded,
        inactive=selected.inactive,
        regions=list(settings.targets.regions),
        rollout={**asdict(rollout), "minutes_per_instance": minutes_per_instance},
        notes=notes,
        problems=problems,
    )


def _organization_problems(settings: Any, organization_id: str, targets: list[Target]) -> list[Problem]:
    """The config names another organization, or targets that are not OUs or roots of this one."""
    problems: list[Problem] = []
    if organization_id != settings.organization_id:
        problems.append(
            Problem(
                f"these credentials read the organization {organization_id}, the config names "
                f"{settings.organization_id}",
                "set organization.organizationId to the organization the OUs belong to (the hub's registry policy "
                "trusts that id only), or use that organization's credentials",
            )
        )
    for target in targets:
        if not target.found:
            problems.append(
                Problem(
                    f"{target.id} is not an organizational unit or root of {organization_id}",
                    "take the ids from 'aws organizations list-roots' and "
                    "'aws organizations list-organizational-units-for-parent --parent-id <root or OU>'",
                )
            )
    return problems


def _stack_set_problems(reader: Reader, settings: Any, management: str) -> list[Problem]:
    """StackSets' trusted access off, or a ``stackSet.account`` that may not create the StackSet as ``callAs``."""
    from ecr_ptc.organization.settings import CallAs

    problems: list[Problem] = []
    services = {
        s["ServicePrincipal"]
        for s in reader.pages("list_aws_service_access_for_organization", "EnabledServicePrincipals")
    }
    if STACKSETS_PRINCIPAL not in services:
        problems.append(
            Problem(
                "trusted access for CloudFormation StackSets is off in AWS Organizations",
                "in the management account: aws cloudformation activate-organizations-access (or the StackSets "
                "console's 'Activate trusted access')",
            )
        )
    where = settings.stack_set
    if where.call_as is CallAs.SELF and where.account != management:
        problems.append(
            Problem(
                f"callAs SELF creates the StackSet as the management account, but stackSet.account is {where.account} "
                f"(the management account is {management})",
                f"set stackSet.account to {management}, or register {where.account} as a delegated administrator "
                "and set callAs: DELEGATED_ADMIN",
            )
        )
    if where.call_as is CallAs.DELEGATED_ADMIN:
        problems += _delegated_admin_problems(reader, where.account, management)
    return problems


def _delegated_admin_problems(reader: Reader, account: str, management: str) -> list[Problem]:
    admins = {
        a["Id"]
        for a in reader.pages(
            "list_delegated_administrators", "DelegatedAdministrators", ServicePrincipal=STACKSETS_PRINCIPAL
        )
    }
    if account == management:
        return [
            Problem(
                "callAs DELEGATED_ADMIN from the management account",
                "set callAs: SELF (the management account creates service-managed StackSets as itself)",
            )
        ]
    if account in admins:
        return []
    return [
        Problem(
            f"{account} is not a delegated administrator for CloudFormation StackSets",
            "in the management account: aws organizations register-delegated-administrator "
            f"--service-principal {STACKSETS_PRINCIPAL} --account-id {account}",
        )
    ]


@dataclass
class _Selected:
    deploy: list[str]
    excluded: list[dict[str, str]] = field(default_factory=list)
    inactive: list[Account] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _select_accounts(settings: Any, targets: list[Target], management: str) -> _Selected:
    """The accounts that get a spoke (:func:`ecr_ptc.organization.selection.account_selection`), those left
    out and why, and what is wrong with the selection."""
    from ecr_ptc.organization.selection import account_selection

    in_targets: dict[str, Account] = {}
    for target in targets:
        for account in target.accounts:
            in_targets.setdefault(account.id, account)
    selected = _Selected(deploy=account_selection(settings).accounts(in_targets, management))
    hub = settings.hub.account
    if hub in in_targets:
        selected.excluded.append(
            {
                "account": hub,
                "reason": "the hub (account filter DIFFERENCE); automatic deployments ignore account filters, so if "
                "it moves between target OUs it gets a spoke stack, empty in the hub's Region",
            }
        )
    else:
        selected.notes.append(f"the hub account {hub} is in no target OU")
    if management in in_targets:
        selected.excluded.append(
            {"account": management, "reason": "the management account: service-managed StackSets never deploy there"}
        )
    selected.inactive = [in_targets[a] for a in selected.deploy if in_targets[a].status != "ACTIVE"]
    for account in selected.inactive:
        selected.problems.append(
            Problem(
                f"account {account.id} ({account.name}) is {account.status}: its stack instances will fail and count "
                "against the failure tolerance",
                "move it out of the target OUs (to a suspended-accounts OU), or close it before deploying",
            )
        )
    seen_twice = [t.id for t in targets if t.found and any(a.id in _others(targets, t) for a in t.accounts)]
    if seen_twice:
        selected.notes.append(
            f"{', '.join(seen_twice)} share accounts with another target (a nested OU): each account gets one "
            "stack instance per Region"
        )
    if not selected.deploy and all(t.found for t in targets):
        selected.problems.append(
            Problem(
                "no account would get a spoke",
                "target OUs that hold member accounts (the hub and the management account are left out)",
            )
        )
    return selected


def _others(targets: Iterable[Target], this: Target) -> set[str]:
    return {a.id for t in targets if t is not this for a in t.accounts}


# --- output -------------------------------------------------------------------------------------------
def document(plan: Plan, config_file: str, code: int) -> dict[str, Any]:
    """The plan as one JSON document."""
    return {
        "schemaVersion": SCHEMA_VERSION,
        "config": config_file,
        "organizationId": plan.organization_id,
        "managementAccount": plan.management_account,
        "targets": [
            {
                "id": t.id,
                "name": t.name,
                "found": t.found,
                "nestedUnits": t.nested_units,
                "accounts": [asdict(a) for a in t.accounts],
            }
            for t in plan.targets
        ],
        "excluded": plan.excluded,
        "deployAccounts": plan.deploy_accounts,
        "regions": plan.regions,
        "stackInstances": plan.rollout["instances"],
        "rollout": plan.rollout,
        "notes": plan.notes,
        "problems": [asdict(p) for p in plan.problems],
        "exitCode": code,
    }


def text(plan: Plan, config: Any) -> str:
    settings = config.organization
    where = settings.stack_set
    r = plan.rollout
    lines = [
        f"{config.file}: organization {plan.organization_id} (management account {plan.management_account})",
        f"StackSet {where.name} in {where.account}/{where.region}, callAs {where.call_as.value}; "
        f"hub {settings.hub.account}/{settings.hub.region}",
        "",
        "Target OUs (nested OUs included):",
    ]
    for target in plan.targets:
        if not target.found:
            lines.append(f"  {target.id}  NOT FOUND")
            continue
        nested = f", {target.nested_units} nested OU(s)" if target.nested_units else ""
        lines.append(f"  {target.id}  {target.name}: {len(target.accounts)} account(s){nested}")
        for account in target.accounts:
            status = "" if account.status == "ACTIVE" else f"  [{account.status}]"
            lines.append(f"    {account.id}  {account.name}  (in {account.parent}){status}")
    lines.append("")
    lines.append("Left out:")
    for item in plan.excluded or [
        {"account": "-", "reason": "none of the targets holds the hub or management account"}
    ]:
        lines.append(f"  {item['account']}  {item['reason']}")
    lines += [
        "",
        f"Stack instances: {r['accounts']} account(s) x {r['regions']} Region(s) ({', '.join(plan.regions)}) "
        f"= {r['instances']}",
        f"Waves ({settings.region_concurrency.value}, maxConcurrentPercentage {settings.max_concurrent_percentage}, "
        f"failureTolerancePercentage {settings.failure_tolerance_percentage}): {r['per_region']} account(s) at once "
        f"per Region, {r['at_once']} stack instance(s) at once, {r['waves']} wave(s)",
        f"Estimate: about {r['minutes']:.0f} minutes at {r['minutes_per_instance']:g} minute(s) per stack instance "
        "(--minutes-per-instance)",
    ]
    for note in plan.notes:
        lines.append(f"Note: {note}")
    lines.append(f"Problems: {len(plan.problems)}" + (" (on stderr)" if plan.problems else ""))
    return "\n".join(lines) + "\n"


__all__ = ["Plan", "SetupError", "add_parser", "document", "make_plan", "run", "text"]
