"""Policies as doctor compares them (statement by statement, in either spelling IAM and ECR store) and IAM
policy simulation (``iam:SimulatePrincipalPolicy``) with the reasons IAM gives for a denial."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Optional, Sequence

if TYPE_CHECKING:
    from .context import Context


def tag_dict(value: Any) -> dict[str, str]:
    """ECR's tag list (``Key``/``Value`` or ``key``/``value``) as a dict."""
    return {t.get("Key", t.get("key")): t.get("Value", t.get("value")) for t in value or []}


def parse_json(value: Any) -> Any:
    """A JSON text as its value (None for none, the text itself when it is no JSON)."""
    try:
        return json.loads(value) if isinstance(value, str) and value else None
    except ValueError:
        return value


def as_list(value: Any) -> list:
    """A policy field that may be one value or a list, as a list."""
    return value if isinstance(value, list) else [value] if value is not None else []


def _statement_key(statement: Any, partition: str) -> str:
    """A statement as a canonical string: lists sorted, ``"*"`` and ``{"AWS": "*"}`` alike, an account id and its
    root ARN alike (IAM and ECR store policies in either spelling)."""
    if not isinstance(statement, dict):
        return json.dumps(statement, sort_keys=True)
    out: dict[str, Any] = {}
    for key, value in statement.items():
        if key == "Principal":
            principal = {"AWS": "*"} if value == "*" else value if isinstance(value, dict) else {"AWS": value}
            out[key] = {
                kind: sorted(
                    f"arn:{partition}:iam::{p}:root" if isinstance(p, str) and p.isdigit() and len(p) == 12 else p
                    for p in as_list(names)
                )
                for kind, names in principal.items()
            }
        elif key in ("Action", "NotAction", "Resource", "NotResource"):
            out[key] = sorted(as_list(value))
        else:
            out[key] = value
    return json.dumps(out, sort_keys=True)


def _sid(statement: Any) -> str:
    return str(statement.get("Sid") or "(no Sid)") if isinstance(statement, dict) else "?"


def compare_policies(expected: Optional[dict], live: Any, partition: str) -> tuple[list[str], list[str]]:
    """(Sids of expected statements the live policy lacks, Sids of live statements the config does not have)."""
    want = {_statement_key(s, partition): s for s in as_list((expected or {}).get("Statement"))}
    have = {_statement_key(s, partition): s for s in as_list((live or {}).get("Statement"))}
    missing = [_sid(s) for k, s in want.items() if k not in have]
    extra = [_sid(s) for k, s in have.items() if k not in want]
    return missing, extra


def simulate(ctx: Context, source: str, actions: Sequence[str], resource: str) -> dict[str, dict]:
    """``iam:SimulatePrincipalPolicy``: each action's evaluation result."""
    results = ctx.aws.pages(
        "iam",
        "simulate_principal_policy",
        "EvaluationResults",
        PolicySourceArn=source,
        ActionNames=list(actions),
        ResourceArns=[resource],
    )
    return {r["EvalActionName"]: r for r in results}


def denied_actions(results: dict[str, dict], actions: Sequence[str]) -> list[str]:
    """The ``actions`` the simulation did not allow."""
    return [a for a in actions if results.get(a, {}).get("EvalDecision") != "allowed"]


def why_denied(results: dict[str, dict], actions: Sequence[str]) -> str:
    """``ecr:TagResource (implicit deny)``, with the explicit deny's policy or the boundary/SCP when IAM names them."""
    parts = []
    for action in actions:
        result = results.get(action, {})
        decision = result.get("EvalDecision", "not evaluated")
        detail = "explicit deny" if decision == "explicitDeny" else "not allowed"
        sources = [s.get("SourcePolicyId") for s in result.get("MatchedStatements", []) if s.get("SourcePolicyId")]
        if decision == "explicitDeny" and sources:
            detail += f" by {', '.join(sources)}"
        if (result.get("PermissionsBoundaryDecisionDetail") or {}).get("AllowedByPermissionsBoundary") is False:
            detail += ", not within the permissions boundary"
        if (result.get("OrganizationsDecisionDetail") or {}).get("AllowedByOrganizations") is False:
            detail += ", denied by a service control policy"
        parts.append(f"{action} ({detail})")
    return ", ".join(parts)
