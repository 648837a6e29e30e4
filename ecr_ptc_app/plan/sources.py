"""Where ``ecr-ptc plan``'s two sides come from: this config synthesized now (in-process, gates on), and the
previous templates, from a cloud assembly directory or from what CloudFormation has deployed (read-only)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from .assembly import AssemblyStack, read

STACK_SET_TYPE = "AWS::CloudFormation::StackSet"


class SourceError(Exception):
    """A side of the plan cannot be read (exit 2): the message and a fix."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


def cdk_context(folder: Path) -> dict[str, Any]:
    """The ``context`` of ``folder/cdk.json`` (the feature flags ``cdk synth`` would use there), without ``nag``:
    plan's gates always run."""
    path = folder / "cdk.json"
    try:
        context = json.loads(path.read_text()).get("context", {}) if path.is_file() else {}
    except (OSError, ValueError, AttributeError) as exc:
        raise SourceError(f"{path}: not readable JSON ({exc})", "fix cdk.json, or run from another folder") from exc
    return {k: v for k, v in context.items() if k != "nag"} if isinstance(context, dict) else {}


def synthesize(config: Any, outdir: Path, context: dict[str, Any]) -> dict[str, AssemblyStack]:
    """The config's stacks as ``cdk synth`` builds them (cdk-nag checks on: a finding raises)."""
    import os

    # jsii prints a Node end-of-life banner unless told it was seen (app.py does the same for cdk synth).
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from aws_cdk import App

    from ecr_ptc_stacks.compose import add_checks, build_app

    app = App(context=dict(context), outdir=str(outdir))
    build_app(app, config)
    add_checks(app)
    app.synth()
    return read(outdir)


@dataclass
class StackSetInfo:
    """The StackSet that deploys the spoke (a nested-assembly stack), read from the new templates."""

    name: str
    region: Optional[str]
    call_as: str
    holder: str  # the stack that holds the StackSet resource
    spoke: str


@dataclass
class Deployed:
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # stacks (or the StackSet's spoke) not deployed
    elsewhere: dict[str, str] = field(default_factory=dict)  # stack -> its account, not the credentials'


def stack_set_of(stacks: dict[str, AssemblyStack]) -> Optional[StackSetInfo]:
    spokes = [s.name for s in stacks.values() if s.nested]
    for stack in stacks.values():
        for resource in stack.template.get("Resources", {}).values():
            props = resource.get("Properties", {})
            if resource.get("Type") == STACK_SET_TYPE and spokes and isinstance(props.get("StackSetName"), str):
                return StackSetInfo(
                    props["StackSetName"], stack.region, props.get("CallAs", "SELF"), stack.name, spokes[0]
                )
    return None


def _code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__))


def _body(body: Any, where: str) -> dict[str, Any]:
    if isinstance(body, dict):
        return body
    try:
        parsed = json.loads(body)
    except (TypeError, ValueError) as exc:
        raise SourceError(f"{where}: the deployed template is not JSON", "deploy it with cdk (JSON templates)") from exc
    return parsed


def _fail(exc: Exception, what: str, account: Optional[str]) -> SourceError:
    who = f"of account {account} " if account else ""
    return SourceError(
        f"cannot read {what}: {_code(exc)}: {exc}",
        f"run with credentials {who}that may call cloudformation:GetTemplate and cloudformation:DescribeStackSet "
        "(read-only), or plan --against a cloud assembly directory",
    )


def _caller_account(session: Any) -> Optional[str]:
    try:
        return str(session.client("sts").get_caller_identity()["Account"])
    except Exception as exc:
        raise _fail(exc, "the credentials' account (sts:GetCallerIdentity)", None) from exc


def deployed(stacks: dict[str, AssemblyStack], session: Any, default_region: Optional[str]) -> Deployed:
    """What CloudFormation holds for each of ``stacks`` (GetTemplate, Original stage) and, for the spoke, the
    StackSet's TemplateBody (DescribeStackSet). Read-only calls only."""
    found = Deployed()
    info = stack_set_of(stacks)
    caller = _caller_account(session) if any(s.account for s in stacks.values() if not s.nested) else None
    for stack in stacks.values():
        if stack.nested:
            continue
        if stack.account and stack.account != caller:  # GetTemplate would answer "does not exist"
            found.elsewhere[stack.name] = stack.account
            continue
        client = session.client("cloudformation", region_name=stack.region or default_region)
        try:
            body = client.get_template(StackName=stack.name, TemplateStage="Original")["TemplateBody"]
        except Exception as exc:  # botocore's errors load lazily: tell them by code
            if _code(exc) == "ValidationError" and "does not exist" in str(exc):
                found.missing.append(stack.name)
                continue
            raise _fail(exc, f"stack {stack.name}", stack.account) from exc
        found.templates[stack.name] = _body(body, stack.name)
    holder = stacks.get(info.holder) if info else None
    if info is not None and holder is not None and holder.account and holder.account != caller:
        found.elsewhere[info.spoke] = holder.account
    elif info is not None:
        client = session.client("cloudformation", region_name=info.region or default_region)
        try:
            described = client.describe_stack_set(StackSetName=info.name, CallAs=info.call_as)["StackSet"]
        except Exception as exc:
            if _code(exc) == "StackSetNotFoundException":
                found.missing.append(info.spoke)
                return found
            raise _fail(exc, f"StackSet {info.name}", None) from exc
        found.templates[info.spoke] = _body(described.get("TemplateBody", "{}"), f"StackSet {info.name}")
    return found


def stack_instances(config: Any, session: Any) -> tuple[Optional[int], str]:
    """How many stack instances a change of the spoke updates, from ``ecr-ptc org plan``'s reading of the
    organization (read-only), or None and why not."""
    from ecr_ptc.organization.waves import DEFAULT_MINUTES_PER_INSTANCE

    from ..commands.org import make_plan

    try:
        client = session.client("organizations", region_name="us-east-1")
        plan = make_plan(config, client, DEFAULT_MINUTES_PER_INSTANCE)
    except Exception as exc:  # no access to AWS Organizations: the count is left out, the plan stands
        return None, f"{_code(exc)}: {exc}"
    return int(plan.rollout["instances"]), ""
