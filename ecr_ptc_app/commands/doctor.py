"""``ecr-ptc doctor``: read-only checks of a live cache against its config, each ok / problem / could not check.

Exit codes: 0 every check ok, 1 a problem found or a check that could not run (a diagnosis that could not
look is no clean bill of health), 2 bad usage, a bad config, or no AWS credentials or Region. Results go
to stdout (text, or one JSON document with ``--output json``: :data:`SCHEMA`); errors to stderr with a
``Fix:`` line. ``--print-policy`` prints the IAM policy doctor needs. The checks live in
the package ``ecr_ptc_app.doctor`` and load inside ``run``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Optional, TextIO

from ..doctor.context import AREAS, OK, STATUSES  # plain constants: the module imports nothing heavy at the top

SCHEMA_VERSION = 1
# The JSON document of --output json (JSON Schema, draft 2020-12); tests check every output against it.
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "ecr-ptc doctor --output json",
    "type": "object",
    "additionalProperties": False,
    "required": ["schemaVersion", "config", "account", "region", "registry", "checks", "summary", "exitCode", "error"],
    "properties": {
        "schemaVersion": {"const": SCHEMA_VERSION},
        "config": {"type": "string"},
        "account": {"type": ["string", "null"]},
        "region": {"type": ["string", "null"]},
        "registry": {"type": ["string", "null"]},
        "checks": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["area", "subject", "status", "message", "fix", "needs"],
                "properties": {
                    "area": {"enum": list(AREAS)},
                    "subject": {"type": "string"},
                    "status": {"enum": list(STATUSES)},
                    "message": {"type": "string"},
                    "fix": {"type": ["string", "null"]},
                    "needs": {"type": ["string", "null"]},
                },
            },
        },
        "summary": {
            "type": "object",
            "additionalProperties": False,
            "required": ["ok", "problem", "could-not-check"],
            "properties": {
                "ok": {"type": "integer", "minimum": 0},
                "problem": {"type": "integer", "minimum": 0},
                "could-not-check": {"type": "integer", "minimum": 0},
            },
        },
        "exitCode": {"enum": [0, 1, 2]},
        "error": {
            "type": ["object", "null"],
            "additionalProperties": False,
            "required": ["message", "fix"],
            "properties": {"message": {"type": "string"}, "fix": {"type": ["string", "null"]}},
        },
    },
}
LABELS = {"ok": "ok", "problem": "PROBLEM", "could-not-check": "could not check"}


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "doctor",
        help="diagnose the live cache of the current AWS credentials against the config (read-only)",
        description="Read-only checks against the account and Region of the current AWS credentials: rules, "
        "upstream logins, credential secrets, creation templates and their role, registry policy, scanning, "
        "a principal's first-pull permissions (IAM simulation) and images. Each check is ok, a problem (with "
        "the exact fix), or could not check (the IAM action it needs). Exit 0 all ok, 1 otherwise, 2 bad usage.",
    )
    p.add_argument("--config", metavar="PATH", help="config file (default: config/default.yaml)")
    p.add_argument(
        "--principal",
        action="append",
        default=[],
        metavar="ARN",
        help="an IAM user, role or assumed-role ARN of this account: may it pull through each prefix? (repeatable)",
    )
    p.add_argument(
        "--image",
        action="append",
        default=[],
        metavar="REF",
        help="an image (nginx:1.27, quay.io/x/y:1, or <prefix>/<repository>:<tag>): its rule and whether ECR "
        "holds it (repeatable)",
    )
    p.add_argument("--region", help="the cache's Region (default: AWS_REGION, else the profile's)")
    p.add_argument("--output", choices=("text", "json"), default="text", help="text lines, or one JSON document")
    p.add_argument("--print-policy", action="store_true", help="print the read-only IAM policy doctor needs, and exit")
    p.set_defaults(func=run)
    return p


def _document(config: str, ctx: Any, checks: list, code: int, error: Optional[dict] = None) -> dict[str, Any]:
    statuses = [c.status for c in checks]
    return {
        "schemaVersion": SCHEMA_VERSION,
        "config": config,
        "account": getattr(ctx, "account", None),
        "region": getattr(ctx, "region", None),
        "registry": getattr(ctx, "registry", None),
        "checks": [c.as_dict() for c in checks],
        "summary": {s: statuses.count(s) for s in ("ok", "problem", "could-not-check")},
        "exitCode": code,
        "error": error,
    }


def _text(document: dict[str, Any]) -> str:
    lines = [
        f"ecr-ptc doctor: {document['config']}, account {document['account']}, {document['region']}",
    ]
    width = max([len(LABELS[c["status"]]) for c in document["checks"]] or [0])
    for check in document["checks"]:
        lines.append(f"{LABELS[check['status']].ljust(width)}  {check['area']} {check['subject']}: {check['message']}")
        if check["fix"]:
            lines.append(f"{' ' * width}  Fix: {check['fix']}")
    summary = document["summary"]
    lines.append(f"{summary['ok']} ok, {summary['problem']} problem(s), {summary['could-not-check']} could not check")
    return "\n".join(lines) + "\n"


def permissions_policy(config: Any, account: str = "*", region: str = "*", partition: str = "aws") -> dict[str, Any]:
    """The read-only IAM policy doctor needs for ``config`` (``*`` where the account or Region is not known)."""
    from ecr_ptc.validation import SECRET_NAME_PREFIX
    from ecr_ptc_runtime.names import repository_pattern

    from ..doctor.spoke import policy_statements as spoke_statements

    ecr_arn = f"arn:{partition}:ecr:{region}:{account}:repository/"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadCacheSettings",
                "Effect": "Allow",
                "Action": [
                    "ecr:DescribePullThroughCacheRules",
                    "ecr:ValidatePullThroughCacheRule",
                    "ecr:DescribeRepositoryCreationTemplates",
                    "ecr:GetRegistryPolicy",
                    "ecr:GetRegistryScanningConfiguration",
                ],
                "Resource": "*",  # none of these has resource-level permissions
            },
            {
                "Sid": "ReadCachedImages",
                "Effect": "Allow",
                "Action": ["ecr:DescribeImages"],
                "Resource": [ecr_arn + repository_pattern(r.prefix) for r in config.rules],
            },
            {
                "Sid": "ReadUpstreamCredentials",
                "Effect": "Allow",
                "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
                "Resource": f"arn:{partition}:secretsmanager:{region}:{account}:secret:{SECRET_NAME_PREFIX}*",
            },
            {
                "Sid": "SimulatePrincipals",
                "Effect": "Allow",
                "Action": ["iam:SimulatePrincipalPolicy"],
                "Resource": [
                    f"arn:{partition}:iam::{account}:role/*",
                    f"arn:{partition}:iam::{account}:user/*",
                    f"arn:{partition}:iam::{account}:group/*",
                ],
            },
            {
                "Sid": "ReadRoles",  # the templates' role, and the role of an assumed-role --principal
                "Effect": "Allow",
                "Action": ["iam:GetRole"],
                "Resource": f"arn:{partition}:iam::{account}:role/*",
            },
            {
                "Sid": "ReadConsumerPolicyOutput",
                "Effect": "Allow",
                "Action": ["cloudformation:DescribeStacks"],
                "Resource": f"arn:{partition}:cloudformation:{region}:{account}:stack/EcrPtc*/*",
            },
            *spoke_statements(config, partition),  # with organization: doctor in a member account's spoke
        ],
    }


def _error(out: TextIO, err: TextIO, output: str, config: str, message: str, fix: Optional[str]) -> int:
    print(f"ecr-ptc doctor: error: {message}", file=err)
    if fix:
        print(f"  Fix: {fix}", file=err)
    if output == "json":
        json.dump(_document(config, None, [], 2, {"message": message, "fix": fix}), out, indent=2)
        out.write("\n")
    return 2


def run(
    args: argparse.Namespace, stdout: Optional[TextIO] = None, stderr: Optional[TextIO] = None, session: Any = None
) -> int:
    """Run ``ecr-ptc doctor``; returns the exit code (0 all ok, 1 problems or checks not run, 2 bad usage).

    :param session: a boto3 session to use (default: one in ``--region``, else AWS_REGION or the profile's).
    """
    from ecr_ptc_runtime.logs import redact

    from ..rewrite.target import CommandError, load

    out, err = stdout or sys.stdout, stderr or sys.stderr
    config_name = args.config or "config/default.yaml"
    try:
        config = load(args.config)
    except CommandError as exc:
        return _error(out, err, args.output, config_name, str(exc), exc.fix)
    if args.print_policy:
        envs = [e for e in config.environments if e.account] if len(config.environments) == 1 else []
        account, region = (envs[0].account, envs[0].region) if envs else ("*", "*")
        json.dump(permissions_policy(config, account or "*", region), out, indent=2)
        out.write("\n")
        return 0
    try:
        from ..doctor import aws
        from ..doctor.run import run_checks
    except Exception as exc:  # noqa: BLE001 - e.g. no Node.js for the construct library's jsii runtime
        return _error(
            out,
            err,
            args.output,
            config.file,
            f"cannot load the construct library ({type(exc).__name__}: {exc})",
            "doctor reads the construct library's IAM builders, which need Node.js as cdk synth does: install Node 20+",
        )
    try:
        # --region, else AWS_REGION or AWS_DEFAULT_REGION, else the config's one environment (or hub), else the profile's
        where: Optional[str] = (
            args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or config.region
        )
        calls = aws.Aws(session if session is not None else aws.session(where))
        ctx = run_checks(config, calls, args.principal, args.image)
    except aws.SetupError as exc:
        return _error(out, err, args.output, config.file, str(exc), exc.fix)
    code = 0 if all(c.status == OK for c in ctx.checks) else 1
    document = _document(config.file, ctx, ctx.checks, code)
    if args.output == "json":
        out.write(redact(json.dumps(document, indent=2, default=str)) + "\n")
    else:
        out.write(redact(_text(document)))
    return code
