"""The checks of ``ecr-ptc doctor``: read-only AWS calls compared with what the config deploys.

Each check ends as one :class:`Check`: ``ok``, ``problem`` (with the exact fix) or ``could-not-check`` (the
IAM action that was denied, or why the call failed). A call the credentials may not make never stops the
others. No check writes anything, and none triggers an image import: images are looked at with
``ecr:DescribeImages`` only (a ``BatchGetImage`` would pull from the upstream). Secret values are read to
check their shape and registered with the runtime's redaction, so no output can carry them.

What the config deploys comes from its owners, not from copies: the first-pull actions, the template role's
actions and the registry and repository policies from ``ecr_ptc.cache.policy``, the scanning configuration
from ``ecr_ptc.cache.registry.merged_scanning``, the placeholder and the secret name of ``credentials:
{create: true}`` from ``ecr_ptc.cache.pull_through_cache``, each template's settings from the rule's own
``RepositorySettings`` (else the default), the stack name from ``ecr_ptc_stacks.compose``. Policies are
compared statement by statement (lists sorted, an account id and its root ARN alike), so a statement
someone added by hand is named too: the next deploy removes it. Those construct modules start the
CDK's jsii runtime (about a second, and Node.js, as ``cdk synth`` needs), which is why ``doctor`` alone of
the day-two commands loads them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional, Sequence

from .doctor_lists import image_refusal, probe_name  # standard library only at import

if TYPE_CHECKING:
    from ecr_ptc.cache.rules import UpstreamRule

    from .config import AppConfig, Environment

OK, PROBLEM, COULD_NOT_CHECK = "ok", "problem", "could-not-check"
STATUSES = (OK, PROBLEM, COULD_NOT_CHECK)
AREAS = (
    "identity",
    "rule",
    "upstream-login",
    "secret",
    "secret-value",
    "template",
    "template-role",
    "registry-policy",
    "scanning",
    "principal",
    "image",
)
DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"}
THROTTLED = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"}
DEFAULT_SECRET_KEY = "alias/aws/secretsmanager"
PROBE = "ecr-ptc-doctor-probe"  # a repository name under each prefix, for IAM simulation (never created)
SECRET_SHAPE = '{"username":"<user>","accessToken":"<token>"}'


@dataclass(frozen=True)
class Check:
    area: str
    subject: str
    status: str
    message: str
    fix: Optional[str] = None
    needs: Optional[str] = None  # the IAM action the credentials were denied

    def as_dict(self) -> dict[str, Optional[str]]:
        return {
            "area": self.area,
            "subject": self.subject,
            "status": self.status,
            "message": self.message,
            "fix": self.fix,
            "needs": self.needs,
        }


class CannotCall(Exception):
    """A call that could not be made: denied (``needs`` names the action), throttled, or failed."""

    def __init__(self, message: str, needs: Optional[str] = None) -> None:
        super().__init__(message)
        self.needs = needs


class SetupError(Exception):
    """No credentials, no Region, no STS: doctor cannot start (exit 2)."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


class Aws:
    """Read-only calls through one boto3 session; every failure becomes a :class:`CannotCall` except the error
    codes a caller expects (``missing``), for which ``call`` returns None."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.region: str = session.region_name
        self._clients: dict[str, Any] = {}
        self.last_missing: Optional[str] = None

    def client(self, service: str) -> Any:
        if service not in self._clients:
            from botocore.config import Config

            config = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=10, read_timeout=30)
            self._clients[service] = self.session.client(service, region_name=self.region, config=config)
        return self._clients[service]

    @staticmethod
    def action(client: Any, operation: str) -> str:
        return f"{client.meta.service_model.signing_name}:{client.meta.method_to_api_mapping[operation]}"

    def call(self, service: str, operation: str, missing: Sequence[str] = (), **params: Any) -> Optional[dict]:
        """The answer; None for an error code in ``missing`` (which ``last_missing`` then holds)."""
        client = self.client(service)
        self.last_missing = None
        try:
            return getattr(client, operation)(**params)
        except Exception as exc:  # noqa: BLE001 - botocore's errors, sorted below
            code = self._code(exc)
            if code in missing:
                self.last_missing = code
                return None
            raise self._cannot(exc, code, self.action(client, operation)) from None

    def pages(self, service: str, operation: str, key: str, **params: Any) -> list[dict]:
        client = self.client(service)
        items: list[dict] = []
        try:
            for page in client.get_paginator(operation).paginate(**params):
                items += page.get(key, [])
        except Exception as exc:  # noqa: BLE001
            raise self._cannot(exc, self._code(exc), self.action(client, operation)) from None
        return items

    @staticmethod
    def _code(exc: Exception) -> str:
        return str(getattr(exc, "response", {}).get("Error", {}).get("Code", "")) or type(exc).__name__

    @staticmethod
    def _cannot(exc: Exception, code: str, action: str) -> CannotCall:
        if code in DENIED:
            return CannotCall(f"needs {action}", needs=action)
        if code in THROTTLED:
            return CannotCall(f"{action} was throttled ({code}) after 5 attempts; run doctor again later")
        message = getattr(exc, "response", {}).get("Error", {}).get("Message") or str(exc)
        return CannotCall(f"{action} failed: {code}: {' '.join(str(message).split())}")


@dataclass
class Context:
    """Who is asking, where, and what the config deploys there."""

    config: AppConfig
    aws: Aws
    account: str
    partition: str
    caller: str
    environment: Optional[Environment]
    checks: list[Check] = field(default_factory=list)
    _stack_outputs: Optional[dict[str, str]] = None

    @property
    def region(self) -> str:
        return self.aws.region

    @property
    def registry(self) -> str:
        suffix = "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"
        return f"{self.account}.dkr.ecr.{self.region}.{suffix}"

    @property
    def stack(self) -> str:
        from ecr_ptc_stacks.compose import stack_name

        return str(stack_name(self.environment))

    @property
    def deploy(self) -> str:
        return f"npx cdk deploy -c config={self.config.file} {self.stack}"

    def add(self, area: str, subject: str, status: str, message: str, fix: Optional[str] = None, needs=None) -> None:
        self.checks.append(Check(area, subject, status, message, fix, needs))

    def could_not(self, area: str, subject: str, exc: CannotCall) -> None:
        self.add(area, subject, COULD_NOT_CHECK, str(exc), needs=exc.needs)

    def repository_arn(self, prefix: str, name: str) -> str:
        from ecr_ptc_runtime.names import cache_repository

        return f"arn:{self.partition}:ecr:{self.region}:{self.account}:repository/{cache_repository(prefix, name)}"

    def stack_output(self, key: str) -> Optional[str]:
        """An output of the cache stack (``cloudformation:DescribeStacks``), None when it cannot be read."""
        if self._stack_outputs is None:
            self._stack_outputs = {}
            try:
                stacks = self.aws.call(
                    "cloudformation", "describe_stacks", missing=("ValidationError",), StackName=self.stack
                )
            except CannotCall:
                stacks = None
            for stack in (stacks or {}).get("Stacks", [])[:1]:
                self._stack_outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        return self._stack_outputs.get(key)


# --- identity ----------------------------------------------------------------------------------------
def identify(config: AppConfig, aws: Aws) -> Context:
    """The caller's account and partition (``sts:GetCallerIdentity``, which needs no permission).

    :raises SetupError: without credentials or when STS cannot be reached.
    """
    try:
        me = aws.client("sts").get_caller_identity()
    except Exception as exc:  # noqa: BLE001 - NoCredentialsError, ExpiredToken, no network...
        unreachable = "Connect" in type(exc).__name__ or "Endpoint" in type(exc).__name__
        raise SetupError(
            f"cannot tell who these AWS credentials are ({type(exc).__name__}: {' '.join(str(exc).split())})",
            "check that this machine reaches AWS STS (network, HTTPS_PROXY/NO_PROXY) and that the Region is right"
            if unreachable
            else "configure credentials of the cache's account (aws configure, AWS_PROFILE, aws sso login)",
        ) from None
    arn = me["Arn"]
    partition = arn.split(":")[1]
    environment = next(
        (e for e in config.environments if e.region == aws.region and e.account in (None, me["Account"])), None
    )
    return Context(config, aws, me["Account"], partition, arn, environment)


def check_environment(ctx: Context) -> bool:
    """Does the config deploy to this account and Region? (False: every other check would look elsewhere.)"""
    envs = ctx.config.environments
    if envs and ctx.environment is None:
        where = ", ".join(f"{e.account or '<any account>'}/{e.region}" for e in envs)
        ctx.add(
            "identity",
            ctx.caller,
            PROBLEM,
            f"{ctx.config.file} deploys the cache to {where}, these credentials are for {ctx.account}/{ctx.region}: "
            "nothing else was checked",
            f"use credentials and a Region of one of those (AWS_PROFILE=..., AWS_REGION=... or --region), "
            f"e.g. AWS_REGION={envs[0].region} ecr-ptc doctor --config {ctx.config.file}",
        )
        return False
    ctx.add("identity", ctx.caller, OK, f"account {ctx.account}, {ctx.region}, registry {ctx.registry}")
    return True


# --- rules -------------------------------------------------------------------------------------------
def _same_upstream_prefix(live: Optional[str], configured: Optional[str]) -> bool:
    return (live or "ROOT") == (configured or "ROOT")


def _secret_name(arn_or_name: str) -> str:
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


def check_rules(ctx: Context) -> dict[str, dict]:
    """Each configured rule against the registry's; rules that exist but are not configured are listed."""
    from ecr_ptc_runtime.names import Auth

    try:
        live = {
            r["ecrRepositoryPrefix"]: r
            for r in ctx.aws.pages("ecr", "describe_pull_through_cache_rules", "pullThroughCacheRules")
        }
    except CannotCall as exc:
        for rule in ctx.config.rules:
            ctx.could_not("rule", rule.prefix, exc)
        return {}
    for rule in ctx.config.rules:
        found = live.get(rule.prefix)
        if found is None:
            ctx.add(
                "rule",
                rule.prefix,
                PROBLEM,
                f"no pull-through cache rule {rule.prefix} in {ctx.account}/{ctx.region}",
                f"deploy the cache: {ctx.deploy}",
            )
            continue
        differences = []
        if found.get("upstreamRegistry") not in (None, rule.upstream):
            differences.append(f"upstream {found.get('upstreamRegistry')}, the config says {rule.upstream}")
        if found.get("upstreamRegistryUrl") != rule.upstream_url:
            differences.append(f"upstream URL {found.get('upstreamRegistryUrl')}, the config says {rule.upstream_url}")
        if not _same_upstream_prefix(found.get("upstreamRepositoryPrefix"), rule.upstream_prefix):
            differences.append(
                f"upstream prefix {found.get('upstreamRepositoryPrefix') or 'ROOT'}, the config says {rule.upstream_prefix or 'ROOT'}"
            )
        wanted_secret, live_secret = configured_secret(rule), found.get("credentialArn")
        if wanted_secret is None and live_secret:
            differences.append(f"credentials {live_secret}, the config gives none")
        elif wanted_secret and not live_secret:
            differences.append(f"no credentials, the config names {wanted_secret}")
        elif wanted_secret and live_secret:
            same = (
                live_secret == wanted_secret
                if wanted_secret.startswith("arn:")
                else _secret_name(live_secret) == wanted_secret
            )
            if not same:
                differences.append(f"credentials {live_secret}, the config names {wanted_secret}")
        live_role = found.get("customRoleArn")
        if rule.info.auth is Auth.ROLE:
            if rule.role_arn and live_role != rule.role_arn:
                differences.append(f"role {live_role or 'none'}, the config names {rule.role_arn}")
            elif not live_role:
                differences.append("no role for ECR to read the upstream registry")
        elif live_role:
            differences.append(f"role {live_role}, the config gives none")
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
            secret = f", credentials {_secret_name(live_secret)}" if live_secret else ""
            ctx.add("rule", rule.prefix, OK, f"-> {rule.upstream_url}{secret}, as configured")
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


# --- credentials ---------------------------------------------------------------------------------------
def check_credentials(ctx: Context, live: dict[str, dict]) -> None:
    from ecr_ptc.validation import SECRET_NAME_PREFIX

    for rule in ctx.config.rules:
        secret = (live.get(rule.prefix) or {}).get("credentialArn") or configured_secret(rule)
        if secret is None:
            continue
        name = _secret_name(secret)
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


# --- repository creation templates -------------------------------------------------------------------------
def _tags(value: Any) -> dict[str, str]:
    return {t.get("Key", t.get("key")): t.get("Value", t.get("value")) for t in value or []}


def _json(value: Any) -> Any:
    try:
        return json.loads(value) if isinstance(value, str) and value else None
    except ValueError:
        return value


def _as_list(value: Any) -> list:
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
                    for p in _as_list(names)
                )
                for kind, names in principal.items()
            }
        elif key in ("Action", "NotAction", "Resource", "NotResource"):
            out[key] = sorted(_as_list(value))
        else:
            out[key] = value
    return json.dumps(out, sort_keys=True)


def _sid(statement: Any) -> str:
    return str(statement.get("Sid") or "(no Sid)") if isinstance(statement, dict) else "?"


def compare_policies(expected: Optional[dict], live: Any, partition: str) -> tuple[list[str], list[str]]:
    """(Sids of expected statements the live policy lacks, Sids of live statements the config does not have)."""
    want = {_statement_key(s, partition): s for s in _as_list((expected or {}).get("Statement"))}
    have = {_statement_key(s, partition): s for s in _as_list((live or {}).get("Statement"))}
    missing = [_sid(s) for k, s in want.items() if k not in have]
    extra = [_sid(s) for k, s in have.items() if k not in want]
    return missing, extra


def _settings_for(ctx: Context, prefix: str) -> Any:
    """The repository settings of the template for ``prefix``: the rule's own block, else the default."""
    return ctx.config.prefix_repositories.get(prefix, ctx.config.repositories)


def _where(ctx: Context) -> Any:
    from ecr_ptc.cache.policy import ArnParts

    return ArnParts(ctx.partition, ctx.region, ctx.account)


def check_templates(ctx: Context) -> None:
    """A PULL_THROUGH_CACHE creation template per prefix, with the settings ``cdk deploy`` gives it."""
    from ecr_ptc.cache.policy import repository_policy_document

    prefixes = [r.prefix for r in ctx.config.rules]
    try:
        live = {
            t["prefix"]: t
            for t in ctx.aws.pages(
                "ecr", "describe_repository_creation_templates", "repositoryCreationTemplates", prefixes=prefixes
            )
        }
    except CannotCall as exc:
        for prefix in prefixes:
            ctx.could_not("template", prefix, exc)
        return
    given_role = ctx.config.iam.template_role_arn if ctx.config.iam else None
    roles: dict[str, list[str]] = {}
    for prefix in prefixes:
        settings = _settings_for(ctx, prefix)
        found = live.get(prefix)
        if found is None:
            ctx.add(
                "template",
                prefix,
                PROBLEM,
                f"no repository creation template for {prefix}: what the cache creates gets ECR's defaults",
                f"deploy the cache: {ctx.deploy}",
            )
            continue
        differences = []
        if "PULL_THROUGH_CACHE" not in (found.get("appliedFor") or []):
            differences.append(
                f"applies to {', '.join(found.get('appliedFor') or ['nothing'])}, not PULL_THROUGH_CACHE"
            )
        if found.get("imageTagMutability", "MUTABLE") != settings.tag_mutability.value:
            differences.append(
                f"tags {found.get('imageTagMutability')}, the config says {settings.tag_mutability.value}"
            )
        exclusions = sorted(f.get("filter") for f in found.get("imageTagMutabilityExclusionFilters") or [])
        if exclusions != sorted(settings.tag_mutability_exclusions):
            differences.append(
                f"tag mutability exclusions {exclusions}, the config says {sorted(settings.tag_mutability_exclusions)}"
            )
        expected_lifecycle = _json(settings.lifecycle_policy_text())
        if _json(found.get("lifecyclePolicy")) != expected_lifecycle:
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
        if _tags(found.get("resourceTags")) != dict(settings.tags):
            differences.append(
                f"resource tags {_tags(found.get('resourceTags'))}, the config says {dict(settings.tags)}"
            )
        document = repository_policy_document(_where(ctx), ctx.config.access, settings.read_access)
        missing, extra = compare_policies(
            document.to_json() if document is not None else None, _json(found.get("repositoryPolicy")), ctx.partition
        )
        if missing or extra:
            differences.append(
                "a repository policy "
                + (f"without {', '.join(missing)}" if missing else "")
                + (" and " if missing and extra else "")
                + (f"with statements the config does not give ({', '.join(extra)})" if extra else "")
            )
        role = found.get("customRoleArn")
        if settings.needs_template_role and not role:
            differences.append("no role, which ECR needs to apply the KMS key or tags")
        elif given_role and role and role != given_role:
            differences.append(f"role {role}, the config names {given_role}")
        if role:
            roles.setdefault(role, []).append(prefix)
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
    if any(_settings_for(ctx, p).needs_template_role for p in prefixes):
        for role, role_prefixes in roles.items():
            check_template_role(ctx, role, role_prefixes)


def _principal_arn(ctx: Context, principal: str) -> str:
    return principal if principal.startswith("arn:") else f"arn:{ctx.partition}:iam::{principal}:root"


def _simulate(ctx: Context, source: str, actions: Sequence[str], resource: str) -> dict[str, dict]:
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


def _denied(results: dict[str, dict], actions: Sequence[str]) -> list[str]:
    return [a for a in actions if results.get(a, {}).get("EvalDecision") != "allowed"]


def _why(results: dict[str, dict], actions: Sequence[str]) -> str:
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
        _json(role["Role"].get("AssumeRolePolicyDocument"))
        if isinstance(role["Role"].get("AssumeRolePolicyDocument"), str)
        else role["Role"].get("AssumeRolePolicyDocument")
    )
    services = [
        str(s)
        for statement in _as_list((trust or {}).get("Statement"))
        if isinstance(statement, dict) and statement.get("Effect") == "Allow"
        for s in _as_list((statement.get("Principal") or {}).get("Service"))
    ]
    problems = [] if "ecr.amazonaws.com" in services else ["ECR (ecr.amazonaws.com) may not assume it"]
    keys = list(dict.fromkeys(k for p in prefixes if (k := _settings_for(ctx, p).encryption.kms_key_arn)))
    try:
        rules = {r.prefix: r for r in ctx.config.rules}
        for prefix in prefixes:
            name = probe_name(rules[prefix], PROBE) if prefix in rules else PROBE  # one the lists let in
            results = _simulate(ctx, role_arn, TEMPLATE_ACTIONS, ctx.repository_arn(prefix, name))
            denied = _denied(results, TEMPLATE_ACTIONS)
            if denied:
                problems.append(f"on {prefix}/: {_why(results, denied)}")
        for key in keys:
            results = _simulate(ctx, role_arn, TEMPLATE_KMS_ACTIONS, key)
            denied = _denied(results, TEMPLATE_KMS_ACTIONS)
            if denied:
                problems.append(f"on {key}: {_why(results, denied)}")
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


# --- registry-wide singletons ------------------------------------------------------------------------------
def expected_registry_policy(ctx: Context) -> Optional[dict]:
    """The registry policy ``cdk deploy`` gives this account: the cache's statements (``access``) and the config's
    own (``registry.policyStatements``), from the policy builders the construct uses; None when it makes none."""
    from aws_cdk import aws_iam as iam

    from ecr_ptc.cache.policy import registry_policy_document

    access, extra = ctx.config.access, (ctx.config.registry.policy_statements if ctx.config.registry else ())
    if access is None and not extra:
        return None
    document = registry_policy_document(_where(ctx), list(ctx.config.rules), access) if access else iam.PolicyDocument()
    for statement in extra:
        document.add_statements(iam.PolicyStatement.from_json(statement))
    return dict(document.to_json())


def check_registry_policy(ctx: Context) -> None:
    try:
        answer = ctx.aws.call("ecr", "get_registry_policy", missing=("RegistryPolicyNotFoundException",))
    except CannotCall as exc:
        ctx.could_not("registry-policy", "registry", exc)
        return
    live = _json((answer or {}).get("policyText"))
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
            "registry-policy", "registry", OK, f"as configured ({len(_as_list(expected.get('Statement')))} statements)"
        )


def check_scanning(ctx: Context) -> None:
    """The scanning configuration ``cdk deploy`` gives the registry (scan on push for the cache prefixes, joined
    to ``registry.scanning``), compared type, frequency and filter by filter."""
    from ecr_ptc.cache.registry import merged_scanning
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


# --- a principal -----------------------------------------------------------------------------------------
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
    where = _where(ctx)
    tagged = any(_settings_for(ctx, r.prefix).tags for r in ctx.config.rules)  # as the construct's grants
    (token_actions, _), (fill_actions, _) = pull_through_grants(where, list(ctx.config.rules), tagged=tagged)
    kind, name = source.split(":")[5].split("/", 1)[0], source.rsplit("/", 1)[-1]
    policy = ctx.stack_output("ConsumerPolicyArn") or f"<the ConsumerPolicyArn output of {ctx.stack}>"
    attach = f"aws iam attach-{kind}-policy --{kind}-name {name} --policy-arn {policy}"
    try:
        token = _simulate(ctx, source, token_actions, "*")
        checks: list[tuple[Optional[str], dict[str, dict], list[str]]] = [(None, token, _denied(token, token_actions))]
        for rule in ctx.config.rules:
            name = probe_name(rule, PROBE)  # a name the rule's allow/deny lists let in
            results = _simulate(ctx, source, fill_actions, ctx.repository_arn(rule.prefix, name))
            checks.append((rule.prefix, results, _denied(results, fill_actions)))
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
        ctx.add("principal", subject, PROBLEM, f"may not {what}: {_why(results, denied)}", fix)


# --- images --------------------------------------------------------------------------------------------
def _cache_repository(ctx: Context, written: str, ref: Any) -> Optional[str]:
    """The cache repository a reference names itself: ``<registry>/<prefix>/...``, or ``<prefix>/...`` with no host
    (how ``ecr-ptc warm`` and ``warm.images`` write images). None: an upstream reference."""
    from ecr_ptc_runtime.names import DOCKER_HUB_DOMAIN, DOCKER_HUB_HOSTS, best_prefix

    if ref.domain == ctx.registry:
        return str(ref.path)
    named = [r.prefix for r in ctx.config.rules if r.prefix != "ROOT"]
    if ref.domain == DOCKER_HUB_DOMAIN and written.split("/", 1)[0] not in DOCKER_HUB_HOSTS:
        if best_prefix(ref.path, named):
            return str(ref.path)
    return None


def check_image(ctx: Context, written: str) -> None:
    """Which rule caches the image, whether the name will work through it, and whether ECR holds it now."""
    from ecr_ptc_runtime.names import ImageRef, best_prefix, map_reference, official_image, parse_reference

    from .workloads import uncovered

    rules = list(ctx.config.rules)
    try:
        ref = parse_reference(written)
    except ValueError as exc:
        ctx.add("image", written, PROBLEM, str(exc), "write it as [registry/]repository[:tag][@digest] (lower case)")
        return
    repository = _cache_repository(ctx, written, ref)
    if repository is not None:
        prefix = best_prefix(repository, [r.prefix for r in rules])
        if prefix is None:
            ctx.add(
                "image",
                written,
                PROBLEM,
                f"{repository} is under no cache rule prefix ({', '.join(r.prefix for r in rules)})",
                "start it with a rule's prefix, or give the upstream reference (quay.io/..., nginx:1.27)",
            )
            return
    else:
        mapping = map_reference(ref, rules, ctx.registry)
        if mapping is None:
            problem, fix = uncovered(ref, rules, ctx.config.file)
            ctx.add("image", written, PROBLEM, problem, fix)
            return
        prefix, repository = mapping.prefix, mapping.repository
    rule = next(r for r in rules if r.prefix == prefix)
    refused = image_refusal(rule, repository)  # which list (allow, deny) keeps it out
    if refused is not None:
        ctx.add("image", written, PROBLEM, *refused)
        return
    tag, digest = ref.tag, ref.digest
    fixed = official_image(ImageRef(repository, tag or "latest"), prefix, rule.upstream, rule.upstream_prefix)
    if fixed is not None:
        ctx.add(
            "image",
            written,
            PROBLEM,
            f"{repository} is a Docker Hub official image without library/: Docker Hub refuses the short form "
            "through a cache",
            f"use {ctx.registry}/{fixed.repository}{':' + tag if tag else ''}",
        )
        return
    warm = f"pull it once by tag: ecr-ptc warm {repository}:{tag or '<tag>'}"
    if digest and tag is None:
        ctx.add(
            "image", written, PROBLEM, "pinned by digest only: a first pull by digest does not fill the cache", warm
        )
    image_id = {"imageDigest": digest} if digest and tag is None else {"imageTag": tag or "latest"}
    label = f"{repository}@{digest}" if "imageDigest" in image_id else f"{repository}:{image_id['imageTag']}"
    try:
        answer = ctx.aws.call(
            "ecr",
            "describe_images",
            missing=("RepositoryNotFoundException", "ImageNotFoundException"),
            repositoryName=repository,
            imageIds=[image_id],
        )
    except CannotCall as exc:
        ctx.could_not("image", written, exc)
        return
    details = (answer or {}).get("imageDetails") or []
    if not details:
        where = (
            f"not cached yet: no pull through the {prefix} rule has created {repository}"
            if ctx.aws.last_missing == "RepositoryNotFoundException"
            else "the repository exists, but ECR does not hold this image"
        )
        ctx.add(
            "image",
            written,
            PROBLEM,
            f"{label}: {where}",
            warm.replace("<tag>", "latest") if tag is None and not digest else warm,
        )
        return
    held = details[0]
    pulled = held.get("lastRecordedPullTime")
    note = f"cached as {label}, digest {held.get('imageDigest')}" + (f", last pulled {pulled}" if pulled else "")
    if digest and tag is not None and held.get("imageDigest") != digest:
        note += f"; the reference pins {digest}, which the tag no longer points at here"
    ctx.add("image", written, OK, note)


def run_checks(config: AppConfig, aws: Aws, principals: Sequence[str], images: Sequence[str]) -> Context:
    """Every check, in the order the output lists them.

    :raises SetupError: without credentials (nothing could be checked).
    """
    ctx = identify(config, aws)
    if not check_environment(ctx):
        return ctx
    live = check_rules(ctx)
    check_upstream_logins(ctx, live)
    check_credentials(ctx, live)
    check_templates(ctx)
    check_registry_policy(ctx)
    check_scanning(ctx)
    for principal in principals:
        check_principal(ctx, principal)
    for image in images:
        check_image(ctx, image)
    return ctx


def session(region: Optional[str]) -> Any:
    """A boto3 session in ``region``, else AWS_REGION, else boto3's default (AWS_DEFAULT_REGION, the profile)."""
    import boto3

    made = boto3.session.Session(region_name=region or os.environ.get("AWS_REGION") or None)
    if not made.region_name:
        raise SetupError("no AWS Region is set", "set AWS_REGION (or give --region) to the cache's Region")
    return made
