"""Upstream credentials: the secret each rule names exists, is named and encrypted so ECR may read it, and
holds the JSON keys ECR reads (the values registered for redaction, never printed)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Optional

from .aws import CannotCall
from .context import OK, PROBLEM, Context

if TYPE_CHECKING:
    from ecr_ptc.cache.rules import UpstreamRule

DEFAULT_SECRET_KEY = "alias/aws/secretsmanager"
SECRET_SHAPE = '{"username":"<user>","accessToken":"<token>"}'


def secret_name(arn_or_name: str) -> str:
    """``arn:...:secret:ecr-pullthroughcache/x-AbC123`` -> ``ecr-pullthroughcache/x``; a name as it is."""
    if not arn_or_name.startswith("arn:"):
        return arn_or_name
    name = arn_or_name.split(":", 6)[6]
    return name[:-7] if len(name) > 7 and name[-7] == "-" else name


def configured_secret(rule: UpstreamRule) -> Optional[str]:
    """The secret the config names for a rule: its ARN, its name, or the name ``create: true`` gives it."""
    from ecr_ptc.cache.pull_through_cache import secret_name_for

    creds = rule.credentials
    if creds is None:
        return None
    return creds.secret_arn or creds.secret_name or secret_name_for(rule.prefix)


def check_credentials(ctx: Context, live: dict[str, dict]) -> None:
    """Each rule's secret: named for ECR, in the rule's account and Region, existing, not scheduled for deletion,
    on the default key; then its value (:func:`check_secret_value`)."""
    from ecr_ptc.validation import SECRET_NAME_PREFIX

    for rule in ctx.config.rules:
        secret = (live.get(rule.prefix) or {}).get("credentialArn") or configured_secret(rule)
        if secret is None:
            continue
        name = secret_name(secret)
        create = (
            f"aws secretsmanager create-secret --region {ctx.region} --name {name} --secret-string '{SECRET_SHAPE}'"
        )
        if not name.startswith(SECRET_NAME_PREFIX):
            ctx.add(
                "secret",
                rule.prefix,
                PROBLEM,
                f"{name} does not start with {SECRET_NAME_PREFIX}: ECR reads no other secrets",
                f"store the credentials in a secret named {SECRET_NAME_PREFIX}<name>, name it in the rule's "
                f"credentials (secretName), and deploy: {ctx.deploy}",
            )
            continue
        if secret.startswith("arn:"):
            parts = secret.split(":")
            if parts[3] != ctx.region or parts[4] != ctx.account:
                ctx.add(
                    "secret",
                    rule.prefix,
                    PROBLEM,
                    f"{secret} is in {parts[4]}/{parts[3]}; ECR reads secrets of the rule's own account and Region "
                    f"({ctx.account}/{ctx.region})",
                    f"create it here ({create}), name it in the rule (secretName: {name}) and deploy: {ctx.deploy}",
                )
                continue
        try:
            described = ctx.aws.call(
                "secretsmanager", "describe_secret", missing=("ResourceNotFoundException",), SecretId=secret
            )
        except CannotCall as exc:
            ctx.could_not("secret", rule.prefix, exc)
            described = {}
        if described is None:
            ctx.add("secret", rule.prefix, PROBLEM, f"{name} does not exist in {ctx.account}/{ctx.region}", create)
            continue
        if described:
            problems, fixes = [], []
            if described.get("DeletedDate"):
                problems.append(f"scheduled for deletion on {described['DeletedDate']}")
                fixes.append(f"aws secretsmanager restore-secret --secret-id {name} --region {ctx.region}")
            key = described.get("KmsKeyId")
            if key and key != DEFAULT_SECRET_KEY:
                problems.append(f"encrypted with the customer managed key {key}, which ECR may not use")
                fixes.append(
                    f"aws secretsmanager update-secret --secret-id {name} --region {ctx.region} --kms-key-id "
                    f"{DEFAULT_SECRET_KEY} --secret-string '{SECRET_SHAPE}'"
                )
            if problems:
                ctx.add("secret", rule.prefix, PROBLEM, f"{name}: " + "; ".join(problems), "; then ".join(fixes))
                continue
            ctx.add("secret", rule.prefix, OK, f"{name} exists in {ctx.region}, named for ECR, default key")
        check_secret_value(ctx, rule, secret, name)


def _placeholder(value: str) -> bool:
    from ecr_ptc.cache.pull_through_cache import PLACEHOLDER

    return value == PLACEHOLDER or (value.startswith("<") and value.endswith(">"))


def check_secret_value(ctx: Context, rule: UpstreamRule, secret: str, name: str) -> None:
    """The JSON keys ECR reads, filled in. The values are registered for redaction and never printed."""
    from ecr_ptc_runtime.logs import register_secret

    put = (
        f"aws secretsmanager put-secret-value --secret-id {name} --region {ctx.region} --secret-string '{SECRET_SHAPE}'"
    )
    try:
        answer = ctx.aws.call("secretsmanager", "get_secret_value", SecretId=secret)
    except CannotCall as exc:
        ctx.could_not("secret-value", rule.prefix, exc)
        return
    text = (answer or {}).get("SecretString")
    register_secret(text)
    if not isinstance(text, str):
        ctx.add("secret-value", rule.prefix, PROBLEM, f"{name} holds binary data; ECR reads a JSON string", put)
        return
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        ctx.add(
            "secret-value",
            rule.prefix,
            PROBLEM,
            f"{name} is not a JSON object (ECR reads username and accessToken)",
            put,
        )
        return
    for key in ("username", "accessToken"):
        if isinstance(value.get(key), str):
            register_secret(value[key])
    missing = [k for k in ("username", "accessToken") if not isinstance(value.get(k), str) or not value[k].strip()]
    if missing:
        ctx.add(
            "secret-value",
            rule.prefix,
            PROBLEM,
            f"{name} lacks {' and '.join(missing)} (ECR reads username and accessToken)",
            put,
        )
        return
    placeholders = [k for k in ("username", "accessToken") if _placeholder(value[k])]
    if placeholders:
        ctx.add(
            "secret-value",
            rule.prefix,
            PROBLEM,
            f"{name} still holds the placeholder {' and '.join(placeholders)}: ECR cannot log in to {rule.upstream_url}",
            put,
        )
        return
    ctx.add("secret-value", rule.prefix, OK, f"{name} holds username and accessToken (values not shown)")
