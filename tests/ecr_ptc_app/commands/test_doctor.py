"""`ecr-ptc doctor` against a healthy and a broken account, with AccessDenied, throttling and pagination: every
AWS answer comes from botocore's Stubber (which also checks each request against the service model)."""

from __future__ import annotations

import datetime
import io
import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import NoCredentialsError
from botocore.stub import Stubber

from ecr_ptc_app.cli import parser
from ecr_ptc_app.commands.doctor import SCHEMA

ACCOUNT, REGION = "123456789012", "eu-west-1"
REGISTRY = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
CALLER = f"arn:aws:sts::{ACCOUNT}:assumed-role/Admin/me"
SECRET_NAME = "ecr-pullthroughcache/docker-hub"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{SECRET_NAME}-AbC123"
TOKEN = "dckr_pat_s3cr3t-t0ken-never-printed"
UPSTREAM_ROLE = f"arn:aws:iam::{ACCOUNT}:role/EcrPtc-CentralUpstreamRole"
TEMPLATE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/EcrPtc-CacheTemplateRole"
BUILDER = f"arn:aws:iam::{ACCOUNT}:role/builder"
DIGEST = "sha256:" + "ab" * 32
NOW = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)
PREFIXES = ("ecr-public", "docker-hub", "central")
FILL = [
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchImportUpstreamImage",
    "ecr:CreateRepository",
    "ecr:TagResource",  # the templates tag, so a first pull tags too
]
TEMPLATE_ACTIONS = ["ecr:CreateRepository", "ecr:ReplicateImage", "ecr:TagResource"]

CONFIG = f"""\
rules:
  - upstream: ecr-public
  - upstream: docker-hub
    credentials: {{secretName: {SECRET_NAME}}}
  - upstream: ecr
    prefix: central
    upstreamPrefix: golden
    registryUrl: 210987654321.dkr.ecr.us-east-1.amazonaws.com
repositories:
  expireUntaggedAfterDays: 7
  tags: {{team: platform}}
  scanOnPush: basic
access:
  principals: ["111122223333"]
  organizationId: o-a1b2c3d4e5
environments:
  - {{account: "{ACCOUNT}", region: {REGION}}}
"""


class Session:
    """A boto3 session whose clients answer from Stubbers (one per service, each checked for order)."""

    SERVICES = ("sts", "ecr", "secretsmanager", "iam", "cloudformation")

    def __init__(self, region: str = REGION) -> None:
        self.region_name = region
        self.clients = {
            s: boto3.client(s, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")
            for s in self.SERVICES
        }
        self.stubs = {s: Stubber(c) for s, c in self.clients.items()}
        for stub in self.stubs.values():
            stub.activate()

    def client(self, service: str, region_name: str | None = None, config: Any = None) -> Any:
        assert region_name == self.region_name
        return self.clients[service]

    def __getattr__(self, service: str) -> Stubber:
        return self.stubs[service]

    def done(self) -> None:
        for service, stub in self.stubs.items():
            assert not stub._queue, (service, [r["operation_name"] for r in stub._queue])


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "cache.yaml"
    path.write_text(CONFIG)
    return str(path)


@pytest.fixture
def aws():
    return Session()


def doctor(config: str, session: Any, *argv: str) -> tuple[int, str, str]:
    args = parser().parse_args(["doctor", "--config", config, *argv])
    out, err = io.StringIO(), io.StringIO()
    code = args.func(args, out, err, session=session)
    return code, out.getvalue(), err.getvalue()


def doctor_json(config: str, session: Any, *argv: str) -> tuple[int, dict]:
    code, out, err = doctor(config, session, "--output", "json", *argv)
    document = json.loads(out)
    assert_schema(document, SCHEMA)
    assert document["exitCode"] == code
    return code, document


def assert_schema(value: Any, schema: dict, where: str = "$") -> None:
    """The subset of JSON Schema that SCHEMA uses: type, const, enum, required, properties,
    additionalProperties, items, minimum."""
    types = {"object": dict, "array": list, "string": str, "integer": int, "null": type(None)}
    if "type" in schema:
        allowed = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        assert any(isinstance(value, types[t]) and not isinstance(value, bool) for t in allowed), (where, value)
    if "const" in schema:
        assert value == schema["const"], where
    if "enum" in schema:
        assert value in schema["enum"], (where, value)
    if "minimum" in schema:
        assert value >= schema["minimum"], where
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, (where, key)
        properties = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            assert set(value) <= set(properties), (where, set(value) - set(properties))
        for key, item in value.items():
            if key in properties:
                assert_schema(item, properties[key], f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            assert_schema(item, schema["items"], f"{where}[{i}]")


def statuses(document: dict) -> dict[tuple[str, str], str]:
    return {(c["area"], c["subject"]): c["status"] for c in document["checks"]}


def check(document: dict, area: str, subject: str) -> dict:
    return next(c for c in document["checks"] if c["area"] == area and c["subject"] == subject)


# --- what a healthy account answers ------------------------------------------------------------------
def identity(aws: Session, account: str = ACCOUNT) -> None:
    arn = CALLER.replace(ACCOUNT, account)
    aws.sts.add_response("get_caller_identity", {"Account": account, "Arn": arn, "UserId": "AROAEXAMPLE:me"})


def live_rules() -> list[dict]:
    return [
        {
            "ecrRepositoryPrefix": "ecr-public",
            "upstreamRegistryUrl": "public.ecr.aws",
            "upstreamRegistry": "ecr-public",
        },
        {
            "ecrRepositoryPrefix": "docker-hub",
            "upstreamRegistryUrl": "registry-1.docker.io",
            "upstreamRegistry": "docker-hub",
            "credentialArn": SECRET_ARN,
        },
        {
            "ecrRepositoryPrefix": "central",
            "upstreamRegistryUrl": "210987654321.dkr.ecr.us-east-1.amazonaws.com",
            "upstreamRegistry": "ecr",
            "upstreamRepositoryPrefix": "golden",
            "customRoleArn": UPSTREAM_ROLE,
        },
        {"ecrRepositoryPrefix": "other-team", "upstreamRegistryUrl": "quay.io", "upstreamRegistry": "quay"},
    ]


def rules(aws: Session, found: list[dict]) -> None:
    """Two pages: the paginator must follow nextToken."""
    aws.ecr.add_response("describe_pull_through_cache_rules", {"pullThroughCacheRules": found[:2], "nextToken": "t2"})
    aws.ecr.add_response("describe_pull_through_cache_rules", {"pullThroughCacheRules": found[2:]}, {"nextToken": "t2"})


def secret(aws: Session, value: str | None = None, key: str | None = None) -> None:
    described = {"ARN": SECRET_ARN, "Name": SECRET_NAME, **({"KmsKeyId": key} if key else {})}
    aws.secretsmanager.add_response("describe_secret", described, {"SecretId": SECRET_ARN})
    text = value if value is not None else json.dumps({"username": "octocat", "accessToken": TOKEN})
    aws.secretsmanager.add_response(
        "get_secret_value", {"ARN": SECRET_ARN, "Name": SECRET_NAME, "SecretString": text}, {"SecretId": SECRET_ARN}
    )


def templates(aws: Session, **changes: Any) -> None:
    from ecr_ptc.cache import policy
    from ecr_ptc.cache.settings import AccessSettings, RepositorySettings

    where = policy.ArnParts("aws", REGION, ACCOUNT)
    access = AccessSettings(principals=("111122223333",), organization_id="o-a1b2c3d4e5")
    settings = RepositorySettings(expire_untagged_after_days=7, tags={"team": "platform"})
    found = []
    for prefix in PREFIXES:
        template = {
            "prefix": prefix,
            "appliedFor": ["PULL_THROUGH_CACHE"],
            "imageTagMutability": "MUTABLE",
            "lifecyclePolicy": settings.lifecycle_policy(),
            "encryptionConfiguration": {"encryptionType": "AES256"},
            "resourceTags": [{"Key": "team", "Value": "platform"}],
            "repositoryPolicy": json.dumps(policy.repository_policy_document(where, access).to_json()),
            "customRoleArn": TEMPLATE_ROLE,
        }
        template.update(changes.get(prefix, {}))
        found.append({k: v for k, v in template.items() if v is not None})
    if "drop" in changes:
        found = [t for t in found if t["prefix"] != changes["drop"]]
    aws.ecr.add_response(
        "describe_repository_creation_templates",
        {"registryId": ACCOUNT, "repositoryCreationTemplates": found},
        {"prefixes": list(PREFIXES)},
    )


def simulated(aws: Session, source: str, actions: list[str], resource: str, denied: dict[str, str] | None = None):
    denied = denied or {}
    results = [
        {"EvalActionName": a, "EvalResourceName": resource, "EvalDecision": denied.get(a, "allowed")} for a in actions
    ]
    aws.iam.add_response(
        "simulate_principal_policy",
        {"EvaluationResults": results, "IsTruncated": False},
        {"PolicySourceArn": source, "ActionNames": actions, "ResourceArns": [resource]},
    )


def repository_arn(prefix: str) -> str:
    return f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{prefix}/ecr-ptc-doctor-probe"


def template_role(
    aws: Session,
    trusted: str = "ecr.amazonaws.com",
    denied: dict[str, str] | None = None,
    prefixes: tuple[str, ...] = PREFIXES,
) -> None:
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": trusted}, "Action": "sts:AssumeRole"}]}
    role = {
        "Path": "/",
        "RoleName": TEMPLATE_ROLE.rsplit("/", 1)[-1],
        "RoleId": "AROAEXAMPLEEXAMPLE01",
        "Arn": TEMPLATE_ROLE,
        "CreateDate": NOW,
        "AssumeRolePolicyDocument": json.dumps(trust),
    }
    aws.iam.add_response("get_role", {"Role": role}, {"RoleName": role["RoleName"]})
    for prefix in prefixes:  # the prefixes whose templates name the role
        simulated(
            aws, TEMPLATE_ROLE, TEMPLATE_ACTIONS, repository_arn(prefix), denied if prefix == "docker-hub" else None
        )


def registry_policy(aws: Session, policy: dict | None = None) -> None:
    from ecr_ptc.cache.policy import ArnParts, registry_policy_document
    from ecr_ptc.cache.rules import UpstreamCredentials, UpstreamRule
    from ecr_ptc.cache.settings import AccessSettings

    if policy is None:
        rules = [
            UpstreamRule.ecr_public(),
            UpstreamRule.docker_hub(UpstreamCredentials.from_secret_name(SECRET_NAME)),
            UpstreamRule.ecr(
                "210987654321.dkr.ecr.us-east-1.amazonaws.com", prefix="central", upstream_prefix="golden"
            ),
        ]
        access = AccessSettings(principals=("111122223333",), organization_id="o-a1b2c3d4e5")
        policy = registry_policy_document(ArnParts("aws", REGION, ACCOUNT), rules, access).to_json()
    aws.ecr.add_response("get_registry_policy", {"registryId": ACCOUNT, "policyText": json.dumps(policy)})


def scanning(
    aws: Session, scan_type: str = "BASIC", filters: tuple[str, ...] = ("ecr-public/*", "docker-hub/*", "central/*")
):
    rule = {
        "scanFrequency": "SCAN_ON_PUSH",
        "repositoryFilters": [{"filter": f, "filterType": "WILDCARD"} for f in filters],
    }
    aws.ecr.add_response(
        "get_registry_scanning_configuration",
        {"registryId": ACCOUNT, "scanningConfiguration": {"scanType": scan_type, "rules": [rule]}},
    )


def healthy_account(aws: Session) -> None:
    identity(aws)
    rules(aws, live_rules())
    aws.ecr.add_response("validate_pull_through_cache_rule", {"isValid": True}, {"ecrRepositoryPrefix": "docker-hub"})
    secret(aws)
    templates(aws)
    template_role(aws)
    registry_policy(aws)
    scanning(aws)


def principal_may_pull(aws: Session, denied: dict[str, dict[str, str]] | None = None) -> None:
    denied = denied or {}
    simulated(aws, BUILDER, ["ecr:GetAuthorizationToken"], "*", denied.get("token"))
    for prefix in PREFIXES:
        simulated(aws, BUILDER, FILL, repository_arn(prefix), denied.get(prefix))


def cached(aws: Session, repository: str, tag: str) -> None:
    detail = {
        "registryId": ACCOUNT,
        "repositoryName": repository,
        "imageDigest": DIGEST,
        "imageTags": [tag],
        "imagePushedAt": NOW,
        "lastRecordedPullTime": NOW,
    }
    aws.ecr.add_response(
        "describe_images", {"imageDetails": [detail]}, {"repositoryName": repository, "imageIds": [{"imageTag": tag}]}
    )


# --- tests ---------------------------------------------------------------------------------------------
def test_a_healthy_account_is_all_ok(config, aws):
    healthy_account(aws)
    principal_may_pull(aws)
    cached(aws, "docker-hub/library/nginx", "1.27")
    code, document = doctor_json(config, aws, "--principal", BUILDER, "--image", "nginx:1.27")
    aws.done()
    assert code == 0, [c for c in document["checks"] if c["status"] != "ok"]
    assert (document["account"], document["region"], document["registry"]) == (ACCOUNT, REGION, REGISTRY)
    got = statuses(document)
    for prefix in PREFIXES:
        assert got[("rule", prefix)] == got[("template", prefix)] == got[("principal", f"{BUILDER} {prefix}/")] == "ok"
    assert got[("rule", "other-team")] == "ok"  # not configured, listed, left alone
    assert "not in" in check(document, "rule", "other-team")["message"]
    assert got[("upstream-login", "docker-hub")] == got[("secret", "docker-hub")] == "ok"
    assert got[("secret-value", "docker-hub")] == got[("template-role", TEMPLATE_ROLE)] == "ok"
    assert got[("registry-policy", "registry")] == got[("scanning", "registry")] == "ok"
    assert got[("principal", f"{BUILDER} registry")] == "ok"
    assert DIGEST in check(document, "image", "nginx:1.27")["message"]
    assert document["summary"] == {"ok": len(document["checks"]), "problem": 0, "could-not-check": 0}


def test_text_output_one_line_per_check_then_a_summary(config, aws):
    healthy_account(aws)
    code, out, _ = doctor(config, aws)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"ecr-ptc doctor: {config}, account {ACCOUNT}, {REGION}"
    assert lines[-1].startswith(f"{len(lines) - 2} ok, 0 problem(s), 0 could not check")
    assert all(line.startswith("ok  ") for line in lines[1:-1])


def test_a_broken_account_names_each_problem_and_its_fix(config, aws):
    identity(aws)
    found = live_rules()
    found[0]["upstreamRegistryUrl"] = "public.ecr.aws.example"  # drifted
    del found[2]  # central missing
    found.append(
        {"ecrRepositoryPrefix": "docker-hub/library", "upstreamRegistryUrl": "quay.io", "upstreamRegistry": "quay"}
    )
    rules(aws, found)
    aws.ecr.add_response(
        "validate_pull_through_cache_rule",
        {"isValid": False, "failure": "Authentication failed: incorrect username or password"},
        {"ecrRepositoryPrefix": "docker-hub"},
    )
    secret(aws, json.dumps({"username": "REPLACE_ME", "accessToken": "REPLACE_ME"}))
    templates(aws, drop="central", **{"ecr-public": {"resourceTags": None, "customRoleArn": None}})
    template_role(aws, denied={"ecr:TagResource": "implicitDeny"}, prefixes=("docker-hub",))
    registry_policy(
        aws,
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
                    "Action": "ecr:*",
                    "Resource": "*",
                }
            ],
        },
    )
    scanning(aws, "ENHANCED", ("ecr-public/*",))
    principal_may_pull(aws, {"docker-hub": {"ecr:CreateRepository": "implicitDeny", "ecr:TagResource": "implicitDeny"}})
    aws.cloudformation.add_response(
        "describe_stacks",
        {
            "Stacks": [
                {
                    "StackName": f"EcrPtc-{ACCOUNT}-{REGION}",
                    "CreationTime": NOW,
                    "StackStatus": "UPDATE_COMPLETE",
                    "Outputs": [
                        {"OutputKey": "ConsumerPolicyArn", "OutputValue": f"arn:aws:iam::{ACCOUNT}:policy/Consumer"}
                    ],
                }
            ]
        },
        {"StackName": f"EcrPtc-{ACCOUNT}-{REGION}"},
    )
    code, document = doctor_json(
        config,
        aws,
        "--principal",
        BUILDER,
        "--image",
        "docker-hub/nginx:1.27",
        "--image",
        "quay.io/x/y:1",
        "--image",
        "ghcr.io/org/app@" + DIGEST,
        "--image",
        "public.ecr.aws/" + "a" * 250,
    )
    # no image needs an AWS call: the first names no library/, no rule covers the next two, ECR cannot hold the last
    aws.done()
    assert code == 1
    deploy = f"npx cdk deploy -c config={config} EcrPtc-{ACCOUNT}-{REGION}"

    def problem(area: str, subject: str, *words: str, fix: str | None = None) -> None:
        found = check(document, area, subject)
        assert found["status"] == "problem", found
        for word in words:
            assert word in found["message"], (word, found)
        if fix is not None:
            assert fix in found["fix"], (fix, found)

    problem("rule", "ecr-public", "upstream URL public.ecr.aws.example", fix=deploy)
    problem("rule", "central", "no pull-through cache rule central", fix=deploy)
    problem(
        "rule",
        "docker-hub/library",
        "overlaps the configured prefix(es) docker-hub",
        fix="delete-pull-through-cache-rule --ecr-repository-prefix docker-hub/library",
    )
    problem(
        "upstream-login",
        "docker-hub",
        "Authentication failed",
        fix=f"put-secret-value --secret-id {SECRET_ARN} --region {REGION}",
    )
    problem(
        "secret-value",
        "docker-hub",
        "placeholder username and accessToken",
        fix=f"put-secret-value --secret-id {SECRET_NAME}",
    )
    problem("template", "central", "no repository creation template", fix=deploy)
    problem("template", "ecr-public", "resource tags {}", "no role")
    problem("template-role", TEMPLATE_ROLE, "on docker-hub/: ecr:TagResource (not allowed)")
    problem(
        "registry-policy",
        "registry",
        "lacks the statement(s) PullThroughCachePrincipals, PullThroughCacheOrganization",
        "holds statement(s) the config does not give ((no Sid)): the next deploy removes them",
        fix=f"keep what must stay in registry.policyStatements of {config}",
    )
    problem(
        "scanning",
        "registry",
        "scan type ENHANCED, the config says BASIC",
        "no SCAN_ON_PUSH for central/*, docker-hub/*",
    )
    problem(
        "principal",
        f"{BUILDER} docker-hub/",
        "ecr:CreateRepository (not allowed), ecr:TagResource (not allowed)",
        fix=f"aws iam attach-role-policy --role-name builder --policy-arn arn:aws:iam::{ACCOUNT}:policy/Consumer",
    )
    assert check(document, "principal", f"{BUILDER} ecr-public/")["status"] == "ok"
    problem(
        "image",
        "docker-hub/nginx:1.27",
        "official image without library/",
        fix=f"{REGISTRY}/docker-hub/library/nginx:1.27",
    )
    problem("image", "quay.io/x/y:1", "no cache rule covers quay.io", fix="add a rule {upstream: quay}")
    problem("image", "ghcr.io/org/app@" + DIGEST, "no cache rule covers ghcr.io", fix="github-container-registry")
    problem("image", "public.ecr.aws/" + "a" * 250, "ECR cannot hold this repository", fix="pull it from its registry")
    assert document["summary"]["problem"] >= 14


def test_image_not_cached_and_digest_only(config, aws):
    healthy_account(aws)
    aws.ecr.add_client_error(
        "describe_images",
        "RepositoryNotFoundException",
        "nope",
        expected_params={"repositoryName": "ecr-public/nginx/nginx", "imageIds": [{"imageTag": "1.27"}]},
    )
    aws.ecr.add_client_error(
        "describe_images",
        "ImageNotFoundException",
        "nope",
        expected_params={"repositoryName": "docker-hub/library/redis", "imageIds": [{"imageDigest": DIGEST}]},
    )
    code, document = doctor_json(
        config, aws, "--image", "public.ecr.aws/nginx/nginx:1.27", "--image", f"redis@{DIGEST}"
    )
    aws.done()
    assert code == 1
    nginx = check(document, "image", "public.ecr.aws/nginx/nginx:1.27")
    assert "not cached yet: no pull through the ecr-public rule has created ecr-public/nginx/nginx" in nginx["message"]
    assert nginx["fix"] == "pull it once by tag: ecr-ptc warm ecr-public/nginx/nginx:1.27"
    redis = [c for c in document["checks"] if c["subject"] == f"redis@{DIGEST}"]
    assert [c["status"] for c in redis] == ["problem", "problem"]
    assert "first pull by digest does not fill" in redis[0]["message"]
    assert "the repository exists, but ECR does not hold this image" in redis[1]["message"]


def test_what_the_credentials_may_not_read_is_could_not_check_with_the_action(config, aws):
    identity(aws)
    aws.ecr.add_client_error("describe_pull_through_cache_rules", "AccessDeniedException", "denied")
    aws.ecr.add_client_error("validate_pull_through_cache_rule", "AccessDeniedException", "denied")
    aws.secretsmanager.add_client_error("describe_secret", "AccessDeniedException", "denied")
    aws.secretsmanager.add_client_error("get_secret_value", "AccessDeniedException", "denied")
    aws.ecr.add_client_error("describe_repository_creation_templates", "ThrottlingException", "Rate exceeded")
    aws.ecr.add_client_error("get_registry_policy", "AccessDeniedException", "denied")
    aws.ecr.add_client_error("get_registry_scanning_configuration", "ServerException", "internal")
    aws.iam.add_client_error("simulate_principal_policy", "AccessDenied", "denied")
    aws.ecr.add_client_error("describe_images", "AccessDeniedException", "denied")
    code, document = doctor_json(config, aws, "--principal", BUILDER, "--image", "nginx:1")
    aws.done()
    assert code == 1  # nothing wrong was found, but nothing was confirmed either
    needs = {(c["area"], c["subject"]): c["needs"] for c in document["checks"] if c["status"] == "could-not-check"}
    assert needs[("rule", "docker-hub")] == "ecr:DescribePullThroughCacheRules"
    assert needs[("upstream-login", "docker-hub")] == "ecr:ValidatePullThroughCacheRule"
    assert needs[("secret", "docker-hub")] == "secretsmanager:DescribeSecret"
    assert needs[("secret-value", "docker-hub")] == "secretsmanager:GetSecretValue"
    assert needs[("registry-policy", "registry")] == "ecr:GetRegistryPolicy"
    assert needs[("principal", BUILDER)] == "iam:SimulatePrincipalPolicy"
    assert needs[("image", "nginx:1")] == "ecr:DescribeImages"
    throttled = check(document, "template", "central")
    assert throttled["needs"] is None and "throttled (ThrottlingException)" in throttled["message"]
    failed = check(document, "scanning", "registry")
    assert failed["status"] == "could-not-check" and "ServerException: internal" in failed["message"]
    assert check(document, "identity", CALLER)["status"] == "ok"
    _, out, _ = doctor_text_again(config)
    assert "could not check  rule docker-hub: needs ecr:DescribePullThroughCacheRules" in out


def doctor_text_again(config: str) -> tuple[int, str, str]:
    """A second run in text form, every call after the identity denied."""
    aws = Session()
    identity(aws)
    aws.ecr.add_client_error("describe_pull_through_cache_rules", "AccessDeniedException", "denied")
    aws.ecr.add_client_error("validate_pull_through_cache_rule", "AccessDeniedException", "denied")
    aws.secretsmanager.add_client_error("describe_secret", "AccessDeniedException", "denied")
    aws.secretsmanager.add_client_error("get_secret_value", "AccessDeniedException", "denied")
    aws.ecr.add_client_error("describe_repository_creation_templates", "AccessDeniedException", "denied")
    aws.ecr.add_client_error("get_registry_policy", "AccessDeniedException", "denied")
    aws.ecr.add_client_error("get_registry_scanning_configuration", "AccessDeniedException", "denied")
    return doctor(config, aws)


@pytest.mark.parametrize(
    "value, words",
    [
        ("not json", "is not a JSON object"),
        (json.dumps({"username": "octocat"}), "lacks accessToken"),
        (json.dumps({"username": "<user>", "accessToken": TOKEN}), "placeholder username"),
        (json.dumps({"username": "octocat", "accessToken": TOKEN, "extra": TOKEN}), None),
    ],
)
def test_secret_values_are_checked_and_never_printed(config, aws, value, words):
    identity(aws)
    rules(aws, live_rules())
    aws.ecr.add_response("validate_pull_through_cache_rule", {"isValid": True})
    secret(aws, value)
    templates(aws)
    template_role(aws)
    registry_policy(aws)
    scanning(aws)
    code, out, err = doctor(config, aws)
    code_json, document = doctor_json_rerun(config, value)
    assert TOKEN not in out + err and TOKEN not in json.dumps(document)
    found = check(document, "secret-value", "docker-hub")
    if words is None:
        assert code == 0 and found["status"] == "ok"
    else:
        assert code == code_json == 1 and found["status"] == "problem" and words in found["message"]


def doctor_json_rerun(config: str, value: str) -> tuple[int, dict]:
    aws = Session()
    identity(aws)
    rules(aws, live_rules())
    aws.ecr.add_response("validate_pull_through_cache_rule", {"isValid": True})
    secret(aws, value)
    templates(aws)
    template_role(aws)
    registry_policy(aws)
    scanning(aws)
    return doctor_json(config, aws)


def test_a_secret_under_a_customer_key_or_missing(config, aws):
    identity(aws)
    rules(aws, live_rules())
    aws.ecr.add_response("validate_pull_through_cache_rule", {"isValid": True})
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    aws.secretsmanager.add_response("describe_secret", {"ARN": SECRET_ARN, "Name": SECRET_NAME, "KmsKeyId": key})
    templates(aws)
    template_role(aws)
    registry_policy(aws)
    scanning(aws)
    code, document = doctor_json(config, aws)
    found = check(document, "secret", "docker-hub")
    assert code == 1 and "customer managed key" in found["message"]
    assert "--kms-key-id alias/aws/secretsmanager" in found["fix"]
    assert ("secret-value", "docker-hub") not in statuses(document)  # the value is not read past that

    gone = Session()
    identity(gone)
    found_rules = live_rules()
    gone.ecr.add_response("describe_pull_through_cache_rules", {"pullThroughCacheRules": found_rules})
    gone.ecr.add_response("validate_pull_through_cache_rule", {"isValid": False, "failure": "secret not found"})
    gone.secretsmanager.add_client_error("describe_secret", "ResourceNotFoundException", "no such secret")
    templates(gone)
    template_role(gone)
    registry_policy(gone)
    scanning(gone)
    code, document = doctor_json(config, gone)
    gone.done()
    missing = check(document, "secret", "docker-hub")
    assert missing["status"] == "problem" and f"{SECRET_NAME} does not exist" in missing["message"]
    assert missing["fix"].startswith(f"aws secretsmanager create-secret --region {REGION} --name {SECRET_NAME}")


def test_credentials_for_another_environment_stop_after_saying_so(config):
    aws = Session(region="us-east-2")
    identity(aws)
    code, document = doctor_json(config, aws)
    aws.done()  # no other call was made
    assert code == 1
    assert [c["status"] for c in document["checks"]] == ["problem"]
    assert f"deploys the cache to {ACCOUNT}/{REGION}" in document["checks"][0]["message"]
    assert "AWS_REGION=eu-west-1" in document["checks"][0]["fix"]


def test_no_credentials_is_exit_2_with_a_fix(config):
    class NoCredentials:
        region_name = REGION

        def client(self, service, region_name=None, config=None):
            class Client:
                def get_caller_identity(self):
                    raise NoCredentialsError()

            return Client()

    code, out, err = doctor(config, NoCredentials())
    assert code == 2 and out == ""
    assert "Unable to locate credentials" in err and "Fix: configure credentials" in err
    code, document = doctor_json(config, NoCredentials())
    assert code == 2 and document["checks"] == [] and document["error"]["fix"].startswith("configure credentials")


def test_a_bad_config_is_exit_2(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("rules: [{upstream: nope}]\n")
    code, out, err = doctor(str(path), None)
    assert code == 2 and "did you mean" in err or "unknown upstream" in err


def test_an_assumed_role_is_simulated_as_its_role_and_other_accounts_are_not(config, aws):
    healthy_account(aws)
    role = {
        "Path": "/ci/",
        "RoleName": "builder",
        "RoleId": "AROAEXAMPLEEXAMPLE02",
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/ci/builder",
        "CreateDate": NOW,
    }
    aws.iam.add_response("get_role", {"Role": role}, {"RoleName": "builder"})
    source = role["Arn"]
    simulated(aws, source, ["ecr:GetAuthorizationToken"], "*")
    for prefix in PREFIXES:
        simulated(aws, source, FILL, repository_arn(prefix))
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/builder/job-42"
    other = "arn:aws:iam::210987654321:role/deployer"
    code, document = doctor_json(config, aws, "--principal", session, "--principal", other)
    aws.done()
    assert check(document, "principal", f"{session} central/")["status"] == "ok"
    foreign = check(document, "principal", other)
    assert foreign["status"] == "could-not-check" and "simulates principals of this account" in foreign["message"]
    assert code == 1


def test_explicit_deny_names_its_policy(config, aws):
    healthy_account(aws)
    aws.iam.add_response(
        "simulate_principal_policy",
        {
            "EvaluationResults": [
                {
                    "EvalActionName": "ecr:GetAuthorizationToken",
                    "EvalResourceName": "*",
                    "EvalDecision": "explicitDeny",
                    "MatchedStatements": [{"SourcePolicyId": "DenyEcr", "SourcePolicyType": "IAM Policy"}],
                }
            ],
            "IsTruncated": False,
        },
    )
    for prefix in PREFIXES:
        simulated(aws, BUILDER, FILL, repository_arn(prefix))
    aws.cloudformation.add_client_error("describe_stacks", "AccessDenied", "denied")
    code, document = doctor_json(config, aws, "--principal", BUILDER)
    aws.done()
    found = check(document, "principal", f"{BUILDER} registry")
    assert code == 1 and "ecr:GetAuthorizationToken (explicit deny by DenyEcr)" in found["message"]
    assert found["fix"].startswith("remove the explicit Deny")
    assert f"<the ConsumerPolicyArn output of EcrPtc-{ACCOUNT}-{REGION}>" in found["fix"]


def test_print_policy_is_the_read_only_policy_doctor_needs_and_passes_the_iam_lint(config):
    from tests.app.iam_lint import document_problems

    code, out, _ = doctor(config, None, "--print-policy")
    assert code == 0
    policy = json.loads(out)
    assert document_problems(policy) == []
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    # every action doctor's checks call (sts:GetCallerIdentity needs no permission)
    assert actions == {
        "ecr:DescribePullThroughCacheRules",
        "ecr:ValidatePullThroughCacheRule",
        "ecr:DescribeRepositoryCreationTemplates",
        "ecr:GetRegistryPolicy",
        "ecr:GetRegistryScanningConfiguration",
        "ecr:DescribeImages",
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "iam:SimulatePrincipalPolicy",
        "iam:GetRole",
        "cloudformation:DescribeStacks",
    }
    images = next(s for s in policy["Statement"] if s["Sid"] == "ReadCachedImages")
    assert images["Resource"] == [f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{p}/*" for p in PREFIXES]


def test_every_action_doctor_calls_is_in_the_printed_policy(config, aws):
    """The actions named in could-not-check lines come from botocore's model; all are in --print-policy."""
    _, out, _ = doctor(config, None, "--print-policy")
    printed = {a for s in json.loads(out)["Statement"] for a in s["Action"]}
    _, document = doctor_json_all_denied(config)
    needed = {c["needs"] for c in document["checks"] if c["needs"]}
    assert needed and needed <= printed


def doctor_json_all_denied(config: str) -> tuple[int, dict]:
    aws = Session()
    identity(aws)
    for operation in ("describe_pull_through_cache_rules", "validate_pull_through_cache_rule"):
        aws.ecr.add_client_error(operation, "AccessDeniedException", "denied")
    aws.secretsmanager.add_client_error("describe_secret", "AccessDeniedException", "denied")
    aws.secretsmanager.add_client_error("get_secret_value", "AccessDeniedException", "denied")
    aws.ecr.add_client_error("describe_repository_creation_templates", "AccessDeniedException", "denied")
    aws.ecr.add_client_error("get_registry_policy", "AccessDeniedException", "denied")
    aws.ecr.add_client_error("get_registry_scanning_configuration", "AccessDeniedException", "denied")
    aws.iam.add_client_error("simulate_principal_policy", "AccessDenied", "denied")
    aws.ecr.add_client_error("describe_images", "AccessDeniedException", "denied")
    return doctor_json(config, aws, "--principal", BUILDER, "--image", "nginx:1")


SHARED = {
    "Sid": "ReplicationFromTheHub",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
    "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
    "Resource": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/*",
}


def test_per_rule_template_settings_and_the_registrys_shared_statements_and_scanning(tmp_path):
    """A rule's own repositories block is what its template is checked against; registry.policyStatements and
    registry.scanning are part of what the registry must hold, and what else it holds is named (the next deploy
    removes it)."""
    config = tmp_path / "cache.yaml"
    config.write_text(
        "rules:\n"
        "  - upstream: ecr-public\n"
        "    repositories: {tagMutability: IMMUTABLE_WITH_EXCLUSION, tagMutabilityExclusions: [latest]}\n"
        "  - upstream: k8s\n"
        "registry:\n"
        f"  policyStatements: [{json.dumps(SHARED)}]\n"
        "  scanning: {scanType: BASIC, rules: [{frequency: SCAN_ON_PUSH, filters: ['team/*']}]}\n"
        "repositories: {scanOnPush: basic}\n"
    )
    aws = Session()
    identity(aws)
    aws.ecr.add_response(
        "describe_pull_through_cache_rules",
        {
            "pullThroughCacheRules": [
                {
                    "ecrRepositoryPrefix": "ecr-public",
                    "upstreamRegistryUrl": "public.ecr.aws",
                    "upstreamRegistry": "ecr-public",
                },
                {"ecrRepositoryPrefix": "k8s", "upstreamRegistryUrl": "registry.k8s.io", "upstreamRegistry": "k8s"},
            ]
        },
    )
    immutable = {
        "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
        "imageTagMutabilityExclusionFilters": [{"filterType": "WILDCARD", "filter": "latest"}],
    }
    aws.ecr.add_response(
        "describe_repository_creation_templates",
        {
            "repositoryCreationTemplates": [
                {"prefix": "ecr-public", "appliedFor": ["PULL_THROUGH_CACHE"], **immutable},
                {"prefix": "k8s", "appliedFor": ["PULL_THROUGH_CACHE"], **immutable},  # k8s has the default: MUTABLE
            ]
        },
    )
    stray = {"Sid": "SomeoneElse", "Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage", "Resource": "*"}
    aws.ecr.add_response(
        "get_registry_policy", {"policyText": json.dumps({"Version": "2012-10-17", "Statement": [SHARED, stray]})}
    )
    scanning(aws, "BASIC", ("team/*", "ecr-public/*", "k8s/*"))
    code, document = doctor_json(str(config), aws)
    aws.done()
    assert code == 1
    assert check(document, "template", "ecr-public")["status"] == "ok"
    k8s = check(document, "template", "k8s")
    assert k8s["status"] == "problem" and "tags IMMUTABLE_WITH_EXCLUSION, the config says MUTABLE" in k8s["message"]
    assert "tag mutability exclusions ['latest'], the config says []" in k8s["message"]
    policy = check(document, "registry-policy", "registry")
    assert policy["status"] == "problem"
    assert "(SomeoneElse): the next deploy removes them" in policy["message"] and "lacks" not in policy["message"]
    assert check(document, "scanning", "registry")["status"] == "ok"


def test_doctor_takes_the_region_of_the_configs_one_environment(monkeypatch, tmp_path):
    """No --region and no AWS_REGION: a config with one environment says where the cache is."""
    from ecr_ptc_app.cli import main
    from ecr_ptc_app.doctor import aws

    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config.yaml"
    config.write_text("rules:\n  - upstream: quay\nenvironments:\n  - {region: ap-south-1}\n")
    asked = []

    def session(region):
        asked.append(region)
        raise aws.SetupError("stop here", "nothing to do")

    monkeypatch.setattr(aws, "session", session)
    assert main(["doctor", "--config", str(config)]) == 2
    assert asked == ["ap-south-1"]


def test_the_region_comes_from_region_else_the_environment(monkeypatch, tmp_path):
    from ecr_ptc_app.doctor import aws

    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(aws.SetupError, match="no AWS Region"):
        aws.session(None)
    assert aws.session("us-west-2").region_name == "us-west-2"
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    assert aws.session(None).region_name == "ap-south-1"
