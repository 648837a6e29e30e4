"""The IAM lint (tests/app/iam_lint.py): it catches bad policies, and the app's templates have none."""

from __future__ import annotations

import json

import pytest

from .iam_lint import Resolver, arn_matches_format, document_problems, lookup_actions, policy_documents, problems
from .synth import ROOT, synth

CONFIGS = sorted((ROOT / "config").glob("*.yaml"))
REPOSITORY = "arn:aws:ecr:eu-west-1:123456789012:repository/ecr-public/*"
REPOSITORY_FORMAT = "arn:${Partition}:ecr:${Region}:${Account}:repository/${RepositoryName}"


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource=None, **extra) -> dict:
    statement = {"Effect": "Allow", "Action": action, **extra}
    if resource is not None:
        statement["Resource"] = resource
    return statement


# --- the database ------------------------------------------------------------------------------
def test_database_knows_the_pull_through_cache_actions():
    for action in (
        "ecr:BatchImportUpstreamImage",
        "ecr:GetImageCopyStatus",
        "ecr:CreatePullThroughCacheRule",
        "ecr:CreateRepositoryCreationTemplate",
        "ecr:TagResource",
    ):
        assert lookup_actions(action), action
    (token,) = lookup_actions("ecr:GetAuthorizationToken")
    assert token.resource_types == ()  # no resource-level permissions: "*" only
    (pull,) = lookup_actions("ecr:BatchGetImage")
    assert [t for t, _ in pull.resource_types] == ["repository"]
    assert len(lookup_actions("ecr:Describe*")) > 3
    assert lookup_actions("ECR:batchgetimage")  # IAM action names are case-insensitive


# --- ARN patterns --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "resource, fits",
    [
        (REPOSITORY, True),
        ("arn:aws:ecr:eu-west-1:123456789012:repository/*", True),
        ("arn:aws:ecr:*:*:repository/x", True),
        ("arn:aws:ecr:*", True),  # the wildcard runs to the end
        ("arn:aws:ecr:eu-west-1:123456789012:repo*", True),
        ("arn:aws:ecr:eu-west-1:123456789012:repository/", False),  # no repository name
        ("arn:aws:ecr:eu-west-1:123456789012:registry/x", False),
        ("arn:aws:ecr::123456789012:repository/x", False),  # ECR ARNs have a Region
        ("arn:aws:s3:::bucket/*", False),
        ("arn:aws:ecr:eu:west-1:123456789012:repository/x", False),  # a Region holds no ':'
    ],
)
def test_arn_fits_resource_type(resource, fits):
    assert arn_matches_format(resource, REPOSITORY_FORMAT) is fits


def test_question_marks_and_colon_names():
    secret = "arn:${Partition}:secretsmanager:${Region}:${Account}:secret:${SecretId}"
    assert arn_matches_format(
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:ecr-pullthroughcache/x-??????", secret
    )
    stream = "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}"
    assert arn_matches_format("arn:aws:logs:eu-west-1:123456789012:log-group:warmer:*", stream)
    assert not arn_matches_format("arn:aws:logs:eu-west-1:123456789012:log-group:warmer", stream)


# --- hand-written bad policies ---------------------------------------------------------------------
BAD = {
    "unknown action": (allow("ecr:GetAuthorisationToken", "*"), "unknown action 'ecr:GetAuthorisationToken'"),
    "unknown service": (allow("ecrr:BatchGetImage", REPOSITORY), "unknown action 'ecrr:BatchGetImage'"),
    "wildcard naming nothing": (allow("ecr:Pull*", REPOSITORY), "unknown action 'ecr:Pull*'"),
    # The database lists no resource type for GetAuthorizationToken: a repository ARN never matches it,
    # so the statement grants nothing (and docker login fails).
    "token call on a repository": (
        allow("ecr:GetAuthorizationToken", REPOSITORY),
        "ecr:GetAuthorizationToken supports no resource-level permissions",
    ),
    "star for a scoped action": (
        allow(["ecr:GetAuthorizationToken", "ecr:BatchGetImage"], "*"),
        "Resource '*' for actions that support resource-level permissions: ecr:BatchGetImage (repository)",
    ),
    "wrong service's ARN": (
        allow("ecr:BatchGetImage", "arn:aws:s3:::bucket/*"),
        "ecr:BatchGetImage cannot act on 'arn:aws:s3:::bucket/*'",
    ),
    "role ARN with a Region": (
        allow("iam:PassRole", "arn:aws:iam:eu-west-1:123456789012:role/x"),
        "iam:PassRole cannot act on",
    ),
    "log group without its streams": (
        allow("logs:PutLogEvents", "arn:aws:logs:eu-west-1:123456789012:log-group:x"),
        "logs:PutLogEvents cannot act on",
    ),
    "kms action on a repository": (allow("kms:CreateGrant", REPOSITORY), "kms:CreateGrant cannot act on"),
    "describe wildcard on a key": (allow("ecr:Describe*", "arn:aws:kms:eu-west-1:123456789012:key/abc"), "none of the"),
    "no resource": (allow("ecr:BatchGetImage"), "no Resource"),
    "not an ARN": (allow("ecr:BatchGetImage", "repository/x"), "neither an ARN nor '*'"),
    "every action": (allow("*", "*"), "Action '*'"),
    "NotAction": ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, "NotAction in an Allow statement"),
    "bad effect": ({"Effect": "allow", "Action": "ecr:BatchGetImage", "Resource": REPOSITORY}, "Effect 'allow'"),
    "misspelt condition key": (
        allow(
            "ecr:BatchGetImage", REPOSITORY, Condition={"StringEquals": {"aws:PrincipalOrgIdentifier": "o-a1b2c3d4e5"}}
        ),
        "condition key 'aws:PrincipalOrgIdentifier'",
    ),
    "another service's condition key": (
        allow(
            "ecr:BatchGetImage", REPOSITORY, Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}
        ),
        "condition key 'iam:PassedToService' is neither",
    ),
    "unknown condition operator": (
        allow("ecr:BatchGetImage", REPOSITORY, Condition={"StringEqual": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
        "unknown condition operator 'StringEqual'",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_catches(name):
    statement, expected = BAD[name]
    found = document_problems(policy(statement))
    assert any(expected in p for p in found), found


def test_good_policies_pass():
    assert (
        document_problems(
            policy(
                allow("ecr:GetAuthorizationToken", "*"),
                allow(["ecr:BatchGetImage", "ecr:BatchImportUpstreamImage", "ecr:CreateRepository"], [REPOSITORY]),
                allow("ecr:Describe*", REPOSITORY),  # some of the Describe actions take repositories
                allow("logs:PutLogEvents", "arn:aws:logs:eu-west-1:123456789012:log-group:x:*"),
                {"Effect": "Deny", "Action": "ecr:DeleteRepository", "Resource": "*"},  # '*' in a Deny is fine
                allow(
                    "iam:PassRole",
                    "arn:aws:iam::123456789012:role/x",
                    Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
                ),
                allow(
                    "ecr:BatchGetImage",
                    REPOSITORY,
                    Condition={
                        "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5", "ecr:ResourceTag/team": "platform"},
                        "ForAnyValue:StringLikeIfExists": {"aws:PrincipalTag/role": "ci-*"},
                    },
                ),
            )
        )
        == []
    )
    trust = policy({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ecr.amazonaws.com"}})
    assert document_problems(trust, "trust") == []
    repository_policy = policy({"Effect": "Allow", "Action": "ecr:BatchGetImage", "Principal": {"AWS": "*"}})
    assert document_problems(repository_policy, "resource") == []  # Resource: the repository itself


def test_wrong_version():
    assert document_problems({"Version": "2008-10-17", "Statement": []}) == [
        "Version '2008-10-17' is not '2012-10-17' (policy variables would not work)"
    ]


# --- whole templates: every kind of policy, intrinsics resolved -----------------------------------
def template_with_mistakes() -> dict:
    repo = {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":ecr:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":repository/quay/*",
            ],
        ]
    }
    return {
        "Resources": {
            "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {}},
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}},
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": policy(
                        {
                            "Effect": "Allow",
                            "Action": "sts:AssumeRolee",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                        }
                    ),
                    "Policies": [{"PolicyName": "Inline", "PolicyDocument": policy(allow("ecr:BatchGetImage", repo))}],
                },
            },
            "Good": {
                "Type": "AWS::IAM::Policy",
                "Properties": {
                    "PolicyName": "x",
                    "PolicyDocument": policy(
                        allow(["logs:CreateLogStream", "logs:PutLogEvents"], {"Fn::GetAtt": ["Logs", "Arn"]}),
                        allow("iam:PassRole", {"Fn::GetAtt": ["Role", "Arn"]}),
                        allow(
                            "lambda:InvokeFunction",
                            [{"Fn::GetAtt": ["Fn", "Arn"]}, {"Fn::Join": ["", [{"Fn::GetAtt": ["Fn", "Arn"]}, ":*"]]}],
                        ),
                        allow(
                            "secretsmanager:DescribeSecret",
                            {
                                "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:x-??????"
                            },
                        ),
                    ),
                },
            },
            "PassWrong": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {"PolicyDocument": policy(allow("iam:PassRole", {"Fn::GetAtt": ["Fn", "Arn"]}))},
            },
            "Registry": {
                "Type": "AWS::ECR::RegistryPolicy",
                "Properties": {
                    "PolicyText": policy(
                        allow(
                            ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
                            "arn:aws:ecr:eu-west-1:123456789012:quay/*",
                            Principal={"AWS": "arn:aws:iam::111122223333:root"},
                        )
                    )
                },
            },
            "Template": {
                "Type": "AWS::ECR::RepositoryCreationTemplate",
                "Properties": {
                    "Prefix": "quay",
                    "RepositoryPolicy": {
                        "Fn::Join": [
                            "",
                            [
                                '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::',
                                {"Ref": "AWS::AccountId"},
                                ':root"},"Action":["ecr:BatchGetImage","ecr:PullImage"]}]}',
                            ],
                        ]
                    },
                },
            },
            "Invoke": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "Action": "lambda:InvokeFunctions",
                    "FunctionName": {"Fn::GetAtt": ["Fn", "Arn"]},
                    "Principal": "s3.amazonaws.com",
                },
            },
        }
    }


def test_template_policies_found_and_checked():
    template = template_with_mistakes()
    assert [d.where for d in policy_documents(template)] == [
        "Role (AWS::IAM::Role) AssumeRolePolicyDocument",
        "Role (AWS::IAM::Role) Policies[Inline]",
        "Good (AWS::IAM::Policy) PolicyDocument",
        "PassWrong (AWS::IAM::ManagedPolicy) PolicyDocument",
        "Registry (AWS::ECR::RegistryPolicy) PolicyText",
        "Template (AWS::ECR::RepositoryCreationTemplate) RepositoryPolicy",
        "Invoke (AWS::Lambda::Permission)",
    ]
    found = problems(template)
    assert found == [
        "Role (AWS::IAM::Role) AssumeRolePolicyDocument: Statement[0]: unknown action 'sts:AssumeRolee' "
        "(not in the IAM database)",
        "PassWrong (AWS::IAM::ManagedPolicy) PolicyDocument: Statement[0]: iam:PassRole cannot act on "
        "'arn:aws:lambda:us-east-1:123456789012:function:Fn': it takes role: "
        "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}",
        "Registry (AWS::ECR::RegistryPolicy) PolicyText: Statement[0]: ecr:BatchImportUpstreamImage cannot act on "
        f"'arn:aws:ecr:eu-west-1:123456789012:quay/*': it takes repository: {REPOSITORY_FORMAT}",
        "Registry (AWS::ECR::RegistryPolicy) PolicyText: Statement[0]: ecr:CreateRepository cannot act on "
        f"'arn:aws:ecr:eu-west-1:123456789012:quay/*': it takes repository: {REPOSITORY_FORMAT}",
        "Template (AWS::ECR::RepositoryCreationTemplate) RepositoryPolicy: Statement[0]: unknown action "
        "'ecr:PullImage' (not in the IAM database)",
        "Invoke (AWS::Lambda::Permission): Statement[0]: unknown action 'lambda:InvokeFunctions' "
        "(not in the IAM database)",
    ]


def test_resolver_values_look_real():
    template = template_with_mistakes()
    resolve = Resolver(template, region="sa-east-1", account="210987654321").resolve
    assert resolve({"Fn::GetAtt": ["Logs", "Arn"]}) == "arn:aws:logs:sa-east-1:210987654321:log-group:Logs:*"
    assert resolve({"Ref": "Role"}) == "Role"
    assert (
        resolve({"Fn::Sub": ["${A}-${Fn.Arn}", {"A": {"Ref": "AWS::Region"}}]})
        == "sa-east-1-arn:aws:lambda:sa-east-1:210987654321:function:Fn"
    )
    assert resolve({"Fn::Select": [1, {"Fn::Split": [":", "a:b:c"]}]}) == "b"
    broken = {
        "Resources": {
            "P": {
                "Type": "AWS::IAM::Policy",
                "Properties": {
                    "PolicyDocument": policy(allow("ecr:BatchGetImage", {"Fn::GetAtt": ["Missing", "Arn"]}))
                },
            }
        }
    }
    assert problems(broken) == [
        "P (AWS::IAM::Policy) PolicyDocument: unresolvable: Fn::GetAtt of 'Missing', which is not a resource"
    ]


# --- the app's own templates ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, dict[str, dict]]:
    return {path.name: synth(path, tmp_path_factory.mktemp(path.stem)) for path in CONFIGS}


@pytest.mark.synth
@pytest.mark.parametrize("name", [p.name for p in CONFIGS])
def test_config_templates_pass_the_iam_lint(templates, name):
    found = {stack: problems(template) for stack, template in templates[name].items()}
    assert {stack: p for stack, p in found.items() if p} == {}, json.dumps(found, indent=1)
    assert any(list(policy_documents(t)) for t in templates[name].values())  # it did look at policies
