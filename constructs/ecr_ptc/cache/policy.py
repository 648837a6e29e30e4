"""IAM statements for the pull-through cache, built in one place.

Every function here is pure: it takes the ARN parts (plain strings or CDK tokens) and the rules,
and returns policy statements or documents. The construct in :mod:`ecr_ptc.cache.pull_through_cache` wires them to
resources; tests can check them without synthesizing.
"""

from __future__ import annotations

from typing import Optional, Sequence

from aws_cdk import aws_iam as iam

from ecr_ptc import validation as v
from ecr_ptc.cache.grants import (
    AUTH_TOKEN_ACTION,
    CACHE_FILL_ACTIONS,
    PULL_ACTIONS,
    REGISTRY_SIDS,
    TAG_ON_CREATE_ACTION,
    ArnParts,
    deny_arns,
    import_arns,
    import_denials,
    pull_through_grants,
    repository_arns,
)
from ecr_ptc.cache.rules import UpstreamRule
from ecr_ptc.cache.settings import AccessSettings, ReadAccess
from ecr_ptc.errors import ValidationError

# The ECR-to-ECR role (CustomRoleArn), split by where each action applies.
UPSTREAM_READ_ACTIONS = (
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchImportUpstreamImage",
    "ecr:GetImageCopyStatus",
)
LOCAL_IMPORT_ACTIONS = (
    "ecr:BatchImportUpstreamImage",
    "ecr:GetImageCopyStatus",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
)
# The repository creation template role (needed for KMS keys or resource tags).
TEMPLATE_ACTIONS = ("ecr:CreateRepository", "ecr:ReplicateImage", "ecr:TagResource")
TEMPLATE_KMS_ACTIONS = ("kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey")


def pull_through_statements(
    where: ArnParts, rules: Sequence[UpstreamRule], *, tagged: bool = False
) -> list[iam.PolicyStatement]:
    """The consumer policy: :func:`pull_through_grants` allowed, :func:`import_denials` denied."""
    return [
        iam.PolicyStatement(actions=actions, resources=resources)
        for actions, resources in pull_through_grants(where, rules, tagged=tagged)
    ] + deny_statements(where, rules)


def deny_statements(where: ArnParts, rules: Sequence[UpstreamRule]) -> list[iam.PolicyStatement]:
    """An explicit Deny of the import actions on the rules' ``deny`` repositories (none without)."""
    return [
        iam.PolicyStatement(effect=iam.Effect.DENY, actions=actions, resources=resources)
        for actions, resources in import_denials(where, rules)
    ]


def _access_statements(
    where: ArnParts, access: AccessSettings, actions: Sequence[str], resources: Optional[list[str]], sid: str
) -> list[iam.PolicyStatement]:
    """One statement for the listed principals, one for the organization (principal * + PrincipalOrgID)."""
    statements = []
    if access.principals:
        statements.append(
            iam.PolicyStatement(
                sid=f"{sid}Principals",
                actions=list(actions),
                resources=resources,
                principals=[iam.ArnPrincipal(where.principal_arn(p)) for p in access.principals],
            )
        )
    if access.organization_id:
        statements.append(
            iam.PolicyStatement(
                sid=f"{sid}Organization",
                actions=list(actions),
                resources=resources,
                principals=[iam.AnyPrincipal()],
                conditions={"StringEquals": {"aws:PrincipalOrgID": access.organization_id}},
            )
        )
    return statements


def registry_policy_document(
    where: ArnParts, rules: Sequence[UpstreamRule], access: AccessSettings
) -> iam.PolicyDocument:
    """The registry permissions policy: others may fill the cache, under the rules' prefixes only (the allowed
    repositories there, with allow lists), and nobody imports a ``deny`` repository (Principal ``*``, Deny).
    ``grants.registry_statements`` measures the same statements."""
    statements = _access_statements(where, access, CACHE_FILL_ACTIONS, import_arns(where, rules), "PullThroughCache")
    denied = deny_arns(where, rules)
    if denied and statements:
        statements.append(
            iam.PolicyStatement(
                sid=REGISTRY_SIDS[2],
                effect=iam.Effect.DENY,
                actions=list(CACHE_FILL_ACTIONS),
                resources=denied,
                principals=[iam.AnyPrincipal()],
            )
        )
    return iam.PolicyDocument(statements=statements)


def repository_policy_document(
    where: ArnParts, access: Optional[AccessSettings], read: Optional[ReadAccess] = None
) -> Optional[iam.PolicyDocument]:
    """The policy every cached repository gets (via its creation template): others may pull from it.

    Pulls across accounts need this; the registry policy only covers filling the cache. ``read`` adds
    principals and services (``omics.amazonaws.com``: the HealthOmics guide's repository policy) that
    pull only, without a registry policy. None when nobody is named.
    """
    statements = _access_statements(where, access, PULL_ACTIONS, None, "PullCachedImages") if access else []
    if read is not None and read.principals:
        statements.append(
            iam.PolicyStatement(
                sid="ReadCachedImagesPrincipals",
                actions=list(PULL_ACTIONS),
                principals=[iam.ArnPrincipal(where.principal_arn(p)) for p in read.principals],
            )
        )
    if read is not None and read.services:
        statements.append(
            iam.PolicyStatement(
                sid="ReadCachedImagesServices",
                actions=list(PULL_ACTIONS),
                principals=[iam.ServicePrincipal(s) for s in read.services],
            )
        )
    return iam.PolicyDocument(statements=statements) if statements else None


def ecr_upstream_arn(rule: UpstreamRule, partition: str) -> str:
    """The upstream registry's repositories this rule reads: ``repository/<upstream prefix>/*`` or ``*``."""
    match = v.ECR_URL_PATTERN.match(rule.upstream_url)
    if match is None:  # UpstreamRule already checked the URL; this guards misuse
        raise ValidationError(
            "registry_url",
            f"{rule.upstream_url!r} is not a private ECR registry host",
            "give '<account>.dkr.ecr.<region>.amazonaws.com'",
        )
    account, region = match.group(1), match.group(2)
    prefix = rule.upstream_prefix
    pattern = "*" if prefix in (None, "ROOT") else f"{prefix}/*"
    return f"arn:{partition}:ecr:{region}:{account}:repository/{pattern}"


def ecr_upstream_role_document(where: ArnParts, rule: UpstreamRule) -> iam.PolicyDocument:
    """What ECR needs to copy images from another private registry into this rule's repositories."""
    return iam.PolicyDocument(
        statements=[
            iam.PolicyStatement(
                sid="ReadUpstream",
                actions=list(UPSTREAM_READ_ACTIONS),
                resources=[ecr_upstream_arn(rule, where.partition)],
            ),
            iam.PolicyStatement(
                sid="ImportIntoCache", actions=list(LOCAL_IMPORT_ACTIONS), resources=import_arns(where, [rule])
            ),
            iam.PolicyStatement(sid="AuthorizationToken", actions=[AUTH_TOKEN_ACTION], resources=["*"]),
            *deny_statements(where, [rule]),
        ]
    )


def template_role_document(
    where: ArnParts, rules: Sequence[UpstreamRule], kms_key_arn: Optional[str | Sequence[str]]
) -> iam.PolicyDocument:
    """What ECR needs to create repositories with a KMS key or resource tags from the templates."""
    statements = [
        iam.PolicyStatement(
            sid="CreateCacheRepositories", actions=list(TEMPLATE_ACTIONS), resources=import_arns(where, rules)
        ),
        *deny_statements(where, rules),
    ]
    keys = [kms_key_arn] if isinstance(kms_key_arn, str) else list(kms_key_arn or [])
    if keys:
        statements.append(
            iam.PolicyStatement(sid="UseRepositoryKey", actions=list(TEMPLATE_KMS_ACTIONS), resources=keys)
        )
    return iam.PolicyDocument(statements=statements)


__all__ = [
    "ArnParts",
    "AUTH_TOKEN_ACTION",
    "CACHE_FILL_ACTIONS",
    "PULL_ACTIONS",
    "TAG_ON_CREATE_ACTION",
    "deny_statements",
    "ecr_upstream_arn",
    "ecr_upstream_role_document",
    "import_arns",
    "pull_through_grants",
    "pull_through_statements",
    "registry_policy_document",
    "repository_arns",
    "repository_policy_document",
    "template_role_document",
]
