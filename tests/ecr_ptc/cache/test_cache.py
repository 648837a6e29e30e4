"""PullThroughCache: what each feature puts in the template (fixtures in conftest.py)."""

from __future__ import annotations

import json
import re

import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Annotations, Match
from cfnlint.api import ManualArgs, lint

from ecr_ptc.cache.policy import ecr_upstream_arn
from ecr_ptc.cache.pull_through_cache import PullThroughCache, construct_id_for, secret_name_for
from ecr_ptc.cache.rules import UpstreamRule
from ecr_ptc.errors import ValidationError

from .conftest import KMS_KEY, ORG, SECRET_ARN, full_rules, synth
from .helpers import as_list, flat, iam_statements, normalised, of_type, props

RULE = "AWS::ECR::PullThroughCacheRule"
TEMPLATE = "AWS::ECR::RepositoryCreationTemplate"
PREFIXES = ["ecr-public", "docker-hub", "ghcr", "team/quay", "chainguard", "ecr", "given-role"]
LOCAL = "arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/"
# With a concrete Region the app's @aws-cdk/core:enablePartitionLiterals flag writes the partition out.
ROOT_ARN = "arn:aws:ecr:eu-west-1:123456789012:repository/*"
PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
FILL = ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"]


def local_arns(prefixes=PREFIXES):
    return [f"{LOCAL}{p}/*" for p in prefixes]


# --- cache rules ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "prefix, upstream, url",
    [
        ("ecr-public", "ecr-public", "public.ecr.aws"),
        ("docker-hub", "docker-hub", "registry-1.docker.io"),
        ("ghcr", "github-container-registry", "ghcr.io"),
        ("team/quay", "quay", "quay.io"),
        ("chainguard", "chainguard", "cgr.dev"),
        ("ecr", "ecr", "444455556666.dkr.ecr.us-east-1.amazonaws.com"),
    ],
)
def test_rule_per_upstream(full, prefix, upstream, url):
    rule = props(full.json, RULE, EcrRepositoryPrefix=prefix)
    assert rule["UpstreamRegistry"] == upstream
    assert rule["UpstreamRegistryUrl"] == url


def test_public_rule_has_no_credentials_or_role(full):
    rule = props(full.json, RULE, EcrRepositoryPrefix="ecr-public")
    assert set(rule) == {"EcrRepositoryPrefix", "UpstreamRegistry", "UpstreamRegistryUrl"}


def test_secret_arn_passed_as_given(full):
    assert props(full.json, RULE, EcrRepositoryPrefix="chainguard")["CredentialArn"] == SECRET_ARN


def test_secret_name_resolved_to_complete_arn_by_describe_secret(full):
    rule = props(full.json, RULE, EcrRepositoryPrefix="ghcr")
    lookup_id, attribute = rule["CredentialArn"]["Fn::GetAtt"]
    assert attribute == "ARN"
    lookup = full.json["Resources"][lookup_id]
    assert lookup["Type"] == "Custom::AWS"
    assert lookup["Properties"]["InstallLatestAwsSdk"] is False
    call = json.loads(lookup["Properties"]["Create"])
    assert (call["service"], call["action"], call["parameters"]) == (
        "SecretsManager",
        "DescribeSecret",
        {"SecretId": "ecr-pullthroughcache/ghcr"},
    )
    assert json.loads(lookup["Properties"]["Update"]) == call


def test_secret_policies_scoped_to_the_one_secret_each(full):
    policies = [
        (flat(s["Resource"]).rsplit(":", 1)[1], s["Action"])
        for r in of_type(full.json, "AWS::IAM::Policy").values()
        for s in r["Properties"]["PolicyDocument"]["Statement"]
        if str(s["Action"]).startswith("secretsmanager:")
    ]
    assert sorted(policies) == [
        ("ecr-pullthroughcache/docker-hub-??????", "secretsmanager:CreateSecret"),
        ("ecr-pullthroughcache/docker-hub-??????", "secretsmanager:DescribeSecret"),
        ("ecr-pullthroughcache/ghcr-??????", "secretsmanager:DescribeSecret"),
    ]


def sdk_call(template: dict, logical: str, when: str = "Create") -> dict:
    return json.loads(template["Resources"][logical]["Properties"][when])


def test_created_secret_is_a_placeholder_created_unless_it_exists(full):
    """Not an AWS::SecretsManager::Secret: a retained one would make the deploy after a destroy fail."""
    assert not of_type(full.json, "AWS::SecretsManager::Secret")
    lookup_id = props(full.json, RULE, EcrRepositoryPrefix="docker-hub")["CredentialArn"]["Fn::GetAtt"][0]
    [create_id] = [
        d for d in full.json["Resources"][lookup_id]["DependsOn"] if full.json["Resources"][d]["Type"] == "Custom::AWS"
    ]
    create = sdk_call(full.json, create_id)
    assert (create["service"], create["action"]) == ("SecretsManager", "CreateSecret")
    assert create["parameters"]["Name"] == "ecr-pullthroughcache/docker-hub"
    assert "KmsKeyId" not in create["parameters"]  # the default aws/secretsmanager key
    assert json.loads(create["parameters"]["SecretString"]) == {"username": "REPLACE_ME", "accessToken": "REPLACE_ME"}
    assert create["ignoreErrorCodesMatching"] == "ResourceExistsException"  # adopt what a past deploy left
    resource = full.json["Resources"][create_id]["Properties"]
    assert "Update" not in resource and "Delete" not in resource  # never overwritten, never deleted
    lookup = sdk_call(full.json, lookup_id)
    assert (lookup["action"], lookup["parameters"]) == (
        "DescribeSecret",
        {"SecretId": "ecr-pullthroughcache/docker-hub"},
    )


def test_credential_command_sets_the_created_secret(full):
    assert list(full.cache.credential_commands) == ["docker-hub"]
    expected = (
        "aws secretsmanager put-secret-value --secret-id ecr-pullthroughcache/docker-hub --region <AWS::Region> "
        '--secret-string \'{"username":"<user>","accessToken":"<token>"}\''
    )
    assert flat(full.resolve(full.cache.credential_commands["docker-hub"])) == expected
    assert [flat(o["Value"]) for o in full.json["Outputs"].values()] == [expected]


def test_secret_name_for_root():
    assert secret_name_for("ROOT") == "ecr-pullthroughcache/root"
    assert secret_name_for("team/hub") == "ecr-pullthroughcache/team/hub"


# --- ECR-to-ECR role ----------------------------------------------------------------------------
def test_ecr_upstream_role_trust_and_scope(full):
    role_ref = props(full.json, RULE, EcrRepositoryPrefix="ecr")["CustomRoleArn"]
    role = full.json["Resources"][role_ref["Fn::GetAtt"][0]]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "pullthroughcache.ecr.amazonaws.com"}}
    ]
    statements = {s["Sid"]: s for s in role["Policies"][0]["PolicyDocument"]["Statement"]}
    assert (
        flat(statements["ReadUpstream"]["Resource"])
        == "arn:<AWS::Partition>:ecr:us-east-1:444455556666:repository/base/*"
    )
    assert set(statements["ReadUpstream"]["Action"]) == {
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchImportUpstreamImage",
        "ecr:GetImageCopyStatus",
    }
    assert flat(statements["ImportIntoCache"]["Resource"]) == f"{LOCAL}ecr/*"
    assert set(statements["ImportIntoCache"]["Action"]) >= {
        "ecr:InitiateLayerUpload",
        "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload",
        "ecr:PutImage",
    }
    assert statements["AuthorizationToken"] == {
        "Sid": "AuthorizationToken",
        "Action": "ecr:GetAuthorizationToken",
        "Effect": "Allow",
        "Resource": "*",
    }


def test_given_role_is_used_and_no_role_created_for_it(full):
    rule = props(full.json, RULE, EcrRepositoryPrefix="given-role")
    assert rule["CustomRoleArn"] == "arn:aws:iam::123456789012:role/PtcUpstream"
    trusted = [
        r
        for r in of_type(full.json, "AWS::IAM::Role").values()
        if "pullthroughcache" in json.dumps(r["Properties"]["AssumeRolePolicyDocument"])
    ]
    assert len(trusted) == 1
    assert set(full.cache.upstream_roles) == {"ecr"}


def test_upstream_arn_without_upstream_prefix_covers_the_registry():
    rule = UpstreamRule.ecr("444455556666.dkr.ecr.us-west-2.amazonaws.com")
    assert ecr_upstream_arn(rule, "aws") == "arn:aws:ecr:us-west-2:444455556666:repository/*"


# --- repository creation templates --------------------------------------------------------------
def test_one_template_per_rule_for_pull_through_cache(full):
    templates = of_type(full.json, TEMPLATE).values()
    assert sorted(t["Properties"]["Prefix"] for t in templates) == sorted(PREFIXES)
    for template in templates:
        assert template["Properties"]["AppliedFor"] == ["PULL_THROUGH_CACHE"]
        assert template["Properties"]["Description"]


def test_template_settings(full):
    template = props(full.json, TEMPLATE, Prefix="docker-hub")
    assert template["ImageTagMutability"] == "IMMUTABLE"
    assert template["EncryptionConfiguration"] == {"EncryptionType": "KMS", "KmsKey": KMS_KEY}
    assert sorted(template["ResourceTags"], key=lambda t: t["Key"]) == [
        {"Key": "cost-centre", "Value": "42"},
        {"Key": "team", "Value": "platform"},
    ]
    assert template["CustomRoleArn"] == {
        "Fn::GetAtt": [full.stack.resolve(full.cache.template_role.node.default_child.logical_id), "Arn"]
    }


def test_lifecycle_policy_is_valid_json(full):
    policy_text = props(full.json, TEMPLATE, Prefix="docker-hub")["LifecyclePolicy"]
    assert 100 <= len(policy_text) <= 30720
    rules = json.loads(policy_text)["rules"]
    assert [r["rulePriority"] for r in rules] == [1, 2]
    assert rules[0]["selection"] == {
        "tagStatus": "untagged",
        "countType": "sinceImagePushed",
        "countUnit": "days",
        "countNumber": 7,
    }
    # 'any' would count every platform and attestation manifest of a multi-platform tag as an image
    assert rules[1]["selection"] == {
        "tagStatus": "tagged",
        "tagPatternList": ["*"],
        "countType": "imageCountMoreThan",
        "countNumber": 20,
    }
    assert all(r["action"] == {"type": "expire"} for r in rules)
    assert all(r["selection"]["tagStatus"] != "any" for r in rules)


def test_template_repository_policy_lets_access_principals_pull(full):
    text = flat(props(full.json, TEMPLATE, Prefix="team/quay")["RepositoryPolicy"])
    statements = {s["Sid"]: s for s in json.loads(text)["Statement"]}
    accounts, org = statements["PullCachedImagesPrincipals"], statements["PullCachedImagesOrganization"]
    assert accounts["Principal"] == {
        "AWS": ["arn:<AWS::Partition>:iam::222233334444:root", "arn:aws:iam::555566667777:role/Builder"]
    }
    assert org["Principal"] == {"AWS": "*"}
    assert org["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORG}}
    for statement in (accounts, org):
        assert statement["Action"] == PULL and "Resource" not in statement


def test_template_role_for_kms_and_tags(full):
    role = full.json["Resources"][full.resolve(full.cache.template_role.node.default_child.logical_id)]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "ecr.amazonaws.com"}
    statements = {s["Sid"]: s for s in normalised(role["Policies"][0]["PolicyDocument"]["Statement"])}
    assert statements["CreateCacheRepositories"]["Action"] == [
        "ecr:CreateRepository",
        "ecr:ReplicateImage",
        "ecr:TagResource",
    ]
    assert statements["CreateCacheRepositories"]["Resource"] == sorted(local_arns())
    assert statements["UseRepositoryKey"]["Action"] == ["kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant"]
    assert statements["UseRepositoryKey"]["Resource"] == [KMS_KEY]


def test_tags_without_kms_get_a_role_without_key_access(root_accounts):
    role_id = root_accounts.resolve(root_accounts.cache.template_role.node.default_child.logical_id)
    statements = root_accounts.json["Resources"][role_id]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert [s["Sid"] for s in statements] == ["CreateCacheRepositories"]
    assert "ecr:TagResource" in statements[0]["Action"]
    assert props(root_accounts.json, TEMPLATE, Prefix="ROOT")["CustomRoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}


def test_defaults_match_ecr_without_a_template(minimal):
    template = props(minimal.json, TEMPLATE, Prefix="ecr-public")
    assert template["ImageTagMutability"] == "MUTABLE"
    assert template["EncryptionConfiguration"] == {"EncryptionType": "AES256"}
    for absent in ("LifecyclePolicy", "RepositoryPolicy", "CustomRoleArn", "ResourceTags"):
        assert absent not in template
    for kind in (
        "AWS::IAM::Role",
        "AWS::ECR::RegistryPolicy",
        "AWS::ECR::RegistryScanningConfiguration",
        "AWS::SecretsManager::Secret",
    ):
        assert of_type(minimal.json, kind) == {}
    assert minimal.cache.template_role is None and minimal.cache.registry_policy is None
    assert minimal.cache.scanning_configuration is None and minimal.cache.credential_commands == {}


def test_immutable_tags_warn(full, minimal):
    Annotations.from_stack(full.stack).has_warning("/Cache/Cache", Match.string_like_regexp("IMMUTABLE"))
    Annotations.from_stack(minimal.stack).has_no_warning("*", Match.any_value())


# --- registry-wide singletons -------------------------------------------------------------------
def test_scan_on_push_for_the_prefixes(full):
    [scanning] = of_type(full.json, "AWS::ECR::RegistryScanningConfiguration").values()
    assert scanning["Properties"]["ScanType"] == "ENHANCED"
    [rule] = scanning["Properties"]["Rules"]
    assert rule["ScanFrequency"] == "SCAN_ON_PUSH"
    assert rule["RepositoryFilters"] == [{"Filter": f"{p}/*", "FilterType": "WILDCARD"} for p in PREFIXES]


def test_scan_on_push_for_root(root_accounts):
    [scanning] = of_type(root_accounts.json, "AWS::ECR::RegistryScanningConfiguration").values()
    assert scanning["Properties"] == {
        "ScanType": "BASIC",
        "Rules": [{"ScanFrequency": "SCAN_ON_PUSH", "RepositoryFilters": [{"Filter": "*", "FilterType": "WILDCARD"}]}],
    }


def test_registry_policy_principals_and_organization_on_prefixes_only(full):
    [policy] = of_type(full.json, "AWS::ECR::RegistryPolicy").values()
    statements = {s["Sid"]: s for s in normalised(policy["Properties"]["PolicyText"]["Statement"])}
    assert set(statements) == {"PullThroughCachePrincipals", "PullThroughCacheOrganization"}
    assert statements["PullThroughCachePrincipals"]["Principal"] == {
        "AWS": ["arn:<AWS::Partition>:iam::222233334444:root", "arn:aws:iam::555566667777:role/Builder"]
    }
    org = statements["PullThroughCacheOrganization"]
    assert org["Principal"] == {"AWS": ["*"]}
    assert org["Condition"] == {"StringEquals": {"aws:PrincipalOrgID": ORG}}
    for statement in statements.values():
        assert statement["Effect"] == "Allow"
        assert statement["Action"] == sorted(FILL)
        assert statement["Resource"] == sorted(local_arns())


def test_registry_policy_for_accounts_only(root_accounts):
    [policy] = of_type(root_accounts.json, "AWS::ECR::RegistryPolicy").values()
    [statement] = normalised(policy["Properties"]["PolicyText"]["Statement"])
    assert statement["Principal"] == {"AWS": ["arn:aws:iam::222233334444:root"]}
    assert statement["Resource"] == [ROOT_ARN]
    assert "Condition" not in statement


# --- consumers ---------------------------------------------------------------------------------
def expected_consumer_statements(resources, tagged=True):
    """``tagged``: the templates add resource tags, so a first pull also needs ecr:TagResource."""
    fill = PULL + FILL + (["ecr:TagResource"] if tagged else [])
    return [
        {"Action": ["ecr:GetAuthorizationToken"], "Effect": "Allow", "Resource": ["*"]},
        {"Action": sorted(fill), "Effect": "Allow", "Resource": sorted(resources)},
    ]


def test_consumer_policy_without_tags_has_no_tag_resource(minimal):
    [policy] = of_type(minimal.json, "AWS::IAM::ManagedPolicy").values()
    statements = normalised(policy["Properties"]["PolicyDocument"]["Statement"])
    assert statements == expected_consumer_statements([a for s in statements[1:] for a in s["Resource"]], tagged=False)
    assert "ecr:TagResource" not in json.dumps(statements)


def test_consumer_policy(full):
    policy_id = full.resolve(full.cache.consumer_policy.node.default_child.logical_id)
    document = full.json["Resources"][policy_id]["Properties"]["PolicyDocument"]
    assert normalised(document["Statement"]) == expected_consumer_statements(local_arns())


def test_consumer_policy_for_root(root_accounts):
    [policy] = of_type(root_accounts.json, "AWS::IAM::ManagedPolicy").values()
    assert normalised(policy["Properties"]["PolicyDocument"]["Statement"]) == expected_consumer_statements([ROOT_ARN])


def test_grant_pull_through_gives_the_consumer_policy_statements(full):
    role_id = full.resolve(full.consumer.node.default_child.logical_id)
    [policy] = [
        p for p in of_type(full.json, "AWS::IAM::Policy").values() if p["Properties"]["Roles"] == [{"Ref": role_id}]
    ]
    assert normalised(policy["Properties"]["PolicyDocument"]["Statement"]) == expected_consumer_statements(local_arns())


# --- attributes ---------------------------------------------------------------------------------
def test_attributes(full):
    cache = full.cache
    assert cache.prefixes == tuple(PREFIXES)
    assert [r.prefix for r in cache.rules] == PREFIXES
    assert list(cache.cfn_rules) == PREFIXES and list(cache.templates) == PREFIXES
    registry = "<AWS::AccountId>.dkr.ecr.<AWS::Region>.<AWS::URLSuffix>"
    assert flat(full.resolve(cache.registry_uri)) == registry
    assert (
        flat(full.resolve(cache.image_uri("team/quay", "prometheus/prometheus")))
        == f"{registry}/team/quay/prometheus/prometheus:latest"
    )
    assert (
        flat(full.resolve(cache.image_uri(cache.rules[1], "library/nginx", "sha256:abc")))
        == f"{registry}/docker-hub/library/nginx@sha256:abc"
    )
    assert (
        flat(full.resolve(cache.example_pull_command(cache.rules[1])))
        == f"docker pull {registry}/docker-hub/library/nginx:latest"
    )


def test_root_uris(root_accounts):
    cache = root_accounts.cache
    registry = "123456789012.dkr.ecr.eu-west-1.<AWS::URLSuffix>"
    assert flat(root_accounts.resolve(cache.image_uri("ROOT", "nginx/nginx", "1.27"))) == f"{registry}/nginx/nginx:1.27"
    assert (
        flat(root_accounts.resolve(cache.example_pull_command("ROOT"))) == f"docker pull {registry}/nginx/nginx:latest"
    )


def test_unknown_prefix_is_a_validation_error(full):
    with pytest.raises(ValidationError, match="no rule of this cache has the prefix 'nope'"):
        full.cache.image_uri("nope", "x")


def test_adding_a_rule_keeps_logical_ids():
    def ids(rules):
        stack = Stack(App(), "S")
        cache = PullThroughCache(stack, "Cache", rules=rules)
        return {p: stack.resolve(stack.get_logical_id(r)) for p, r in cache.cfn_rules.items()} | {
            f"t:{p}": stack.resolve(stack.get_logical_id(t)) for p, t in cache.templates.items()
        }

    before = ids(full_rules()[1:])
    after = ids(full_rules())
    assert {k: after[k] for k in before} == before


def test_construct_ids_are_distinct_for_slash_and_dashes():
    assert construct_id_for("a/b") != construct_id_for("a--b")


# --- whole-template checks ------------------------------------------------------------------------
SYNTHS = ["full", "full_env", "minimal", "root_accounts"]


@pytest.mark.parametrize("name", SYNTHS)
def test_no_wildcard_resource_except_authorization_token(name, request):
    """Resource '*' only for ecr:GetAuthorizationToken, in every policy, role and managed policy."""
    result = request.getfixturevalue(name)
    for key, statement in iam_statements(result.json):
        if "*" in as_list(statement.get("Resource", [])):
            assert as_list(statement["Action"]) == ["ecr:GetAuthorizationToken"], (key, statement)


@pytest.mark.parametrize("name", SYNTHS)
def test_cdk_nag_clean(name, request):
    """The fixtures synthesize with the AwsSolutions plugin; any unacknowledged finding fails synth."""
    assert request.getfixturevalue(name).json["Resources"]


def test_cdk_nag_reports_what_is_not_acknowledged():
    """The control for test_cdk_nag_clean: the grantee's GetAuthorizationToken '*' is left to its owner."""
    with pytest.raises(Exception, match=re.escape("AwsSolutions-IAM5[Resource::*]")):
        synth([UpstreamRule.quay()], grant=True, acknowledge_grantee=False)


@pytest.mark.parametrize("name", SYNTHS)
def test_cfn_lint_clean(name, request):
    result = request.getfixturevalue(name)
    matches = lint(json.dumps(result.json), config=ManualArgs(regions=["eu-west-1"]))
    errors = [f"{m.rule.id} {m.message} ({'/'.join(map(str, m.path))})" for m in matches if m.rule.id.startswith("E")]
    assert errors == []
